-- Library menu item: runs the "export_preset" action (IeaActions.lua).
require('IeaActions').run('export_preset')
