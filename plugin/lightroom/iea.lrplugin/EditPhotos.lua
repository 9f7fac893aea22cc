-- Library menu item: runs the "edit" action (IeaActions.lua).
require('IeaActions').run('edit')
