-- Library menu item: runs the "summarize" action (IeaActions.lua).
require('IeaActions').run('summarize')
