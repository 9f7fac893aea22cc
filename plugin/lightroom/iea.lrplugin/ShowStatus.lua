-- Library menu item: runs the "status" action (IeaActions.lua).
require('IeaActions').run('status')
