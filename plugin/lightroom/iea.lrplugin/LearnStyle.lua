-- Library menu item: learns a style from the selected photos' settings (IeaStyleActions.lua).
require('IeaStyleActions').run('learn')
