-- Library menu item: applies a learned style per photo after review (IeaStyleActions.lua).
require('IeaStyleActions').run('apply')
