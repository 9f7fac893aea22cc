--[[----------------------------------------------------------------------------
Info.lua: tells Lightroom Classic what the iea plug-in offers.

The plug-in is thin: menu items, dialogs and catalog writes. Every edit is decided by iea's agent,
reached through the `iea client` command (see IeaClient.lua).
------------------------------------------------------------------------------]]

return {
  LrSdkVersion = 10.0,
  LrSdkMinimumVersion = 6.0,
  LrToolkitIdentifier = "org.iea.lightroom",
  LrPluginName = "iea",
  LrPluginInfoUrl = "https://github.com/iea-photo/iea",
  LrPluginInfoProvider = "PluginInfoProvider.lua",

  LrLibraryMenuItems = {
    { title = "Edit with iea…", file = "EditPhotos.lua", enabledWhen = "photosSelected" },
    { title = "Refine last edit…", file = "RefineEdit.lua", enabledWhen = "photosSelected" },
    { title = "Summarize style from two photos…", file = "SummarizeStyle.lua",
      enabledWhen = "photosSelected" },
    { title = "Apply style to selected…", file = "ApplyStyle.lua", enabledWhen = "photosSelected" },
    { title = "Export style as preset…", file = "ExportPreset.lua" },
    { title = "iea status", file = "ShowStatus.lua" },
    { title = "Learn style from selected photos…", file = "LearnStyle.lua",
      enabledWhen = "photosSelected" },
    { title = "Apply learned style to selected…", file = "ApplyLearnedStyle.lua",
      enabledWhen = "photosSelected" },
  },

  VERSION = { major = 0, minor = 1, revision = 0, build = 0 },
}
