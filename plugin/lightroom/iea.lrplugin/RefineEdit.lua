-- Library menu item: runs the "refine" action (IeaActions.lua).
require('IeaActions').run('refine')
