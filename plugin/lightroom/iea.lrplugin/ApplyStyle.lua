-- Library menu item: runs the "apply_style" action (IeaActions.lua).
require('IeaActions').run('apply_style')
