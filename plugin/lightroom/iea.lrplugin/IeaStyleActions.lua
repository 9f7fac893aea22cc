--[[----------------------------------------------------------------------------
IeaStyleActions.lua: "Learn style from selected photos…" and "Apply learned style to selected…".

Learn: the selected photos' own develop settings (photo:getDevelopSettings(), the photographer's
edits) and their original files go to iea (`style_learn`), which learns how the settings depend
on each photo and saves the style in iea's library; the report says which tools are used the same
on every photo and which follow the photo.

Apply: iea gives each selected photo its own values (`style_programs`; a learned style adapts to
each photo); the photographer reviews them; each photo is then changed in its own
catalog:withWriteAccessDo (one Edit > Undo step per photo) under a cancellable progress scope.
Only the settings of the tools the style uses are applied: every other slider keeps the
photographer's value.
------------------------------------------------------------------------------]]

local LrApplication = import 'LrApplication'
local LrBinding = import 'LrBinding'
local LrDialogs = import 'LrDialogs'
local LrFunctionContext = import 'LrFunctionContext'
local LrPrefs = import 'LrPrefs'
local LrProgressScope = import 'LrProgressScope'
local LrTasks = import 'LrTasks'
local LrView = import 'LrView'

local IeaClient = require 'IeaClient'
local IeaJson = require 'IeaJson'
local IeaSettings = require 'IeaSettings'

local IeaStyleActions = {}

local MIN_EXAMPLES = 5
local LEARN_TIMEOUT = 600

-- The Camera Raw settings iea reads as each tool (iea_core.hosts.lightroom) and writes for it.
local TOOL_KEYS = {
  exposure = { "Exposure2012" }, contrast = { "Contrast2012" },
  natural_contrast = { "Clarity2012" }, highlights = { "Highlights2012" },
  shadows = { "Shadows2012" }, whites = { "Whites2012" }, blacks = { "Blacks2012" },
  saturation = { "Saturation" }, vibrance = { "Vibrance" },
  brightness = { "ParametricDarks", "ParametricLights" },
  temperature = { "IncrementalTemperature", "Temperature" },
  tint = { "IncrementalTint", "Tint" },
  sharpness = { "Sharpness", "Texture" }, grain = { "GrainAmount", "GrainSize", "GrainFrequency" },
  vignette = { "PostCropVignetteAmount", "PostCropVignetteStyle", "PostCropVignetteMidpoint",
               "PostCropVignetteFeather", "PostCropVignetteRoundness" },
  fade = { "ToneCurvePV2012" },
}

local function refuse(message)
  error({ iea_message = message }, 0)
end

local function run_task(title, fn)
  LrTasks.startAsyncTask(function()
    local ok, err = LrTasks.pcall(function()
      LrFunctionContext.callWithContext(title, fn)
    end)
    if not ok then
      local message = type(err) == "table" and err.iea_message
        or ("The iea plug-in ran into a problem it did not expect: " .. tostring(err))
      LrDialogs.message("iea: " .. title, message, "critical")
    end
  end)
end

local function call(method, params, timeout)
  local result, failure = IeaClient.call(method, params, { timeout = timeout })
  if not result then refuse(failure.message) end
  return result
end

local function photo_name(photo)
  return photo:getFormattedMetadata("fileName") or "photo"
end

local function is_raw(photo)
  local format = photo:getRawMetadata("fileFormat")
  return format == "RAW" or format == "DNG"
end

local function selected(minimum, hint)
  local catalog = LrApplication.activeCatalog()
  local photos = catalog:getTargetPhotos() or {}
  if #photos < minimum then refuse(hint) end
  return catalog, photos
end

local function ask_name(context, title, verb, prompt)
  local f = LrView.osFactory()
  local props = LrBinding.makePropertyTable(context)
  local prefs = LrPrefs.prefsForPlugin()
  props.name = type(prefs.learnedStyle) == "string" and prefs.learnedStyle or "My style"
  local button = LrDialogs.presentModalDialog {
    title = title,
    contents = f:column {
      bind_to_object = props,
      f:static_text { title = prompt },
      f:row { f:static_text { title = "Style name:" },
              f:edit_field { value = LrView.bind("name"), width_in_chars = 30 } },
    },
    actionVerb = verb,
  }
  if button ~= "ok" then return nil end
  local name = type(props.name) == "string" and props.name:gsub("^%s+", ""):gsub("%s+$", "") or ""
  if name == "" then refuse("Type a name for the style.") end
  return name
end

-- The develop settings iea can read as tools, as plain JSON values.
local function readable_settings(photo)
  local out = {}
  local current = photo:getDevelopSettings() or {}
  for _, keys in pairs(TOOL_KEYS) do
    for _, key in ipairs(keys) do
      local value = current[key]
      if type(value) == "number" or type(value) == "string" then
        out[key] = value
      elseif type(value) == "table" then
        out[key] = IeaJson.array(value)
      end
    end
  end
  return out
end

local function learn(context)
  local _, photos = selected(MIN_EXAMPLES, string.format(
    "Select at least %d photos you edited: iea learns your style from your own settings.",
    MIN_EXAMPLES))
  local name = ask_name(context, "Learn style from selected photos", "Learn",
    string.format("iea learns from the settings of the %d selected photos.", #photos))
  if not name then return end
  local scope = LrProgressScope { title = "iea: reading your settings", functionContext = context }
  local images, settings = {}, {}
  for i, photo in ipairs(photos) do
    if scope:isCanceled() then scope:done() return end
    scope:setPortionComplete(i - 1, #photos)
    images[#images + 1] = photo:getRawMetadata("path")
    settings[#settings + 1] = readable_settings(photo)
  end
  scope:setCaption("learning…")
  local result = call("style_learn", { name = name, images = images, settings = settings,
                                       host = "lightroom", replace = true }, LEARN_TIMEOUT)
  scope:done()
  LrPrefs.prefsForPlugin().learnedStyle = IeaSettings.text(result.name, name, 64)
  local lines = {}
  for _, row in ipairs(type(result.report) == "table" and result.report or {}) do
    if type(row) == "table" and row.verdict ~= "not used" then
      lines[#lines + 1] = IeaSettings.text(row.sentence, "", 300)
    end
  end
  LrDialogs.message("iea", string.format(
    "Learned the style \"%s\" from %d photo(s).\n\n%s\n\nUse \"Apply learned style to selected…\".",
    IeaSettings.text(result.name, name, 64),
    type(result.examples) == "number" and result.examples or #images,
    table.concat(lines, "\n")), "info")
end

local function summary_line(photo, program)
  return photo_name(photo) .. ": " .. IeaSettings.program_summary(program)
end

local function apply(context)
  local catalog, photos = selected(1, "Select the photos to apply the style to.")
  local name = ask_name(context, "Apply learned style", "Preview",
    "iea gives each selected photo its own values; you review them before anything changes.")
  if not name then return end
  local images, raws, current = {}, {}, {}
  for _, photo in ipairs(photos) do
    images[#images + 1] = photo:getRawMetadata("path")
    raws[#raws + 1] = is_raw(photo)
    -- the photo as it is now: iea sets the style's tools to its values from these settings and
    -- answers only the settings that move (docs/hosts.md, "The rule")
    current[#current + 1] = readable_settings(photo)
  end
  local result = call("style_programs", { style = name, images = images, raw = raws,
                                          develop_settings = current, host = "lightroom" },
                      LEARN_TIMEOUT)
  local tools = {}
  for _, tool in ipairs(type(result.tools) == "table" and result.tools or {}) do
    tools[tool] = true
  end
  local items, lines = {}, {}
  for i, entry in ipairs(type(result.results) == "table" and result.results or {}) do
    local photo = photos[i]
    if photo and type(entry) == "table" and entry.ok then
      local program, problem = IeaSettings.program(entry.program)
      local settings
      if program then settings, problem = IeaSettings.develop_settings(entry.host_settings) end
      if not program or not settings then
        refuse("iea's values for " .. photo_name(photo) .. " were refused: " .. problem .. ".")
      end
      local chosen = {}
      for tool in pairs(tools) do
        for _, key in ipairs(TOOL_KEYS[tool] or {}) do
          if settings[key] ~= nil then chosen[key] = settings[key] end
        end
      end
      items[#items + 1] = { photo = photo, settings = chosen }
      lines[#lines + 1] = summary_line(photo, program)
    elseif photo then
      local err = type(entry) == "table" and type(entry.error) == "table" and entry.error.message
      lines[#lines + 1] = photo_name(photo) .. ": skipped (" .. IeaSettings.text(err, "?", 300) .. ")"
    end
  end
  local f = LrView.osFactory()
  local button = LrDialogs.presentModalDialog {
    title = "iea style: " .. name,
    contents = f:scrolled_view { width = 620, height = 400,
      f:static_text { title = table.concat(lines, "\n"), width_in_chars = 80,
                      height_in_lines = math.max(3, #lines) } },
    actionVerb = "Apply",
  }
  if button ~= "ok" then return end
  local scope = LrProgressScope { title = "iea: applying " .. name, functionContext = context }
  local applied = 0
  for i, item in ipairs(items) do
    if scope:isCanceled() then break end
    scope:setCaption(photo_name(item.photo))
    scope:setPortionComplete(i - 1, #items)
    local label = "iea style: " .. name
    local status = catalog:withWriteAccessDo(label, function()
      item.photo:applyDevelopSettings(item.settings, label)
    end, { timeout = 30 })
    if status ~= nil and status ~= "executed" then
      scope:done()
      refuse(string.format("Lightroom's catalog was busy after %d photo(s); the rest were not "
        .. "changed. Try again.", applied))
    end
    applied = applied + 1
  end
  scope:done()
  LrDialogs.message("iea", string.format("Applied \"%s\" to %d photo(s).", name, applied), "info")
end

IeaStyleActions.handlers = { learn = learn, apply = apply }
local TITLES = { learn = "Learn style", apply = "Apply learned style" }

function IeaStyleActions.run(name)
  run_task(TITLES[name] or name, IeaStyleActions.handlers[name])
end

return IeaStyleActions
