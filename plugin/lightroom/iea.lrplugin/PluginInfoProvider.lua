--[[----------------------------------------------------------------------------
PluginInfoProvider.lua: the plug-in's section in File > Plug-in Manager.

Shows which `iea` program the plug-in runs and lets the photographer point it elsewhere or give
slow machines more time. Both are plain preferences (LrPrefs); nothing here runs code.
------------------------------------------------------------------------------]]

local LrView = import 'LrView'
local LrPrefs = import 'LrPrefs'

local IeaClient = require 'IeaClient'

return {
  sectionsForTopOfDialog = function(f, _)
    local prefs = LrPrefs.prefsForPlugin()
    local installed = IeaClient.config().client
    return {
      {
        title = "iea",
        bind_to_object = prefs,
        f:row {
          f:static_text { title = "Installed client:" },
          f:static_text { title = type(installed) == "string" and installed or "(none: run `iea plugin install lightroom`)" },
        },
        f:row {
          f:static_text { title = "Use this client instead:" },
          f:edit_field { value = LrView.bind("clientPath"), width_in_chars = 40 },
        },
        f:row {
          f:static_text { title = "Timeout (seconds):" },
          f:edit_field { value = LrView.bind("timeout"), width_in_chars = 6, min = 5, max = 3600 },
        },
      },
    }
  end,
}
