--[[----------------------------------------------------------------------------
IeaActions.lua: what each Library menu item does.

Every action runs in its own task, and everything in it runs under LrTasks.pcall: whatever goes
wrong (iea not running, a timeout, an agent error, a reply that fails validation, a bug here)
ends as one LrDialogs.message in plain words, never as a Lua stack trace.

Nothing here decides an edit. Each request carries the photo as it is now (its develop settings
from photo:getDevelopSettings(), a raw's As Shot white balance, and a preview Lightroom renders
with those settings); the agent answers with a change and iea with the final values of exactly
the settings that change (current + change, clamped), each with its before -> after. IeaSettings
checks them; the photographer reviews the before -> after; one catalog:withWriteAccessDo applies
them, so one Edit > Undo takes the whole edit back.
------------------------------------------------------------------------------]]

local LrApplication = import 'LrApplication'
local LrBinding = import 'LrBinding'
local LrDialogs = import 'LrDialogs'
local LrFileUtils = import 'LrFileUtils'
local LrFunctionContext = import 'LrFunctionContext'
local LrPathUtils = import 'LrPathUtils'
local LrPrefs = import 'LrPrefs'
local LrProgressScope = import 'LrProgressScope'
local LrTasks = import 'LrTasks'
local LrView = import 'LrView'

local IeaClient = require 'IeaClient'
local IeaJson = require 'IeaJson'
local IeaSettings = require 'IeaSettings'

local IeaActions = {}

local PREVIEW_SIZE = 1024
local MAX_RECENT = 8
local MAX_REMEMBERED_EDITS = 500

-- ------------------------------------------------------------------------------ small helpers --

-- Raise an error meant for the photographer (shown as is, without "plug-in problem").
local function refuse(message)
  error({ iea_message = message }, 0)
end

local function message_of(err)
  if type(err) == "table" and type(err.iea_message) == "string" then
    return err.iea_message
  end
  return "The iea plug-in ran into a problem it did not expect: " .. tostring(err)
end

-- Run fn(context) in a task; any error becomes one dialog.
local function run_task(title, fn)
  LrTasks.startAsyncTask(function()
    local ok, err = LrTasks.pcall(function()
      LrFunctionContext.callWithContext(title, fn)
    end)
    if not ok then
      LrDialogs.message("iea: " .. title, message_of(err), "critical")
    end
  end)
end

local function call(method, params)
  local result, failure = IeaClient.call(method, params)
  if not result then
    refuse(failure.message)
  end
  return result
end

local function prefs()
  return LrPrefs.prefsForPlugin()
end

-- Prefs hold JSON text, read back with the data-only reader (never as Lua).
local function load_pref_json(key, fallback)
  local text = prefs()[key]
  if type(text) ~= "string" then
    return fallback
  end
  local value = IeaJson.decode(text)
  if type(value) ~= "table" then
    return fallback
  end
  return value
end

local function save_pref_json(key, value)
  prefs()[key] = IeaJson.encode(value)
end

local function photo_name(photo)
  return photo:getFormattedMetadata("fileName") or "photo"
end

local function is_raw(photo)
  local format = photo:getRawMetadata("fileFormat")
  return format == "RAW" or format == "DNG"
end

local function target_photos(minimum)
  local catalog = LrApplication.activeCatalog()
  local photos = catalog:getTargetPhotos() or {}
  if #photos < (minimum or 1) then
    if (minimum or 1) == 1 then
      refuse("Select a photo in the Library first.")
    end
    refuse(string.format("Select %d photos in the Library first.", minimum))
  end
  return catalog, photos
end

-- A small JPEG of the photo as Lightroom renders it now, written to a temp file for the agent.
local function write_preview(photo)
  local data, failure, finished = nil, nil, false
  local request = photo:requestJpegThumbnail(PREVIEW_SIZE, PREVIEW_SIZE, function(jpeg, err)
    if not finished then
      data, failure, finished = jpeg, err, true
    end
  end)
  local waited = 0
  while not finished and waited < 30 do
    LrTasks.sleep(0.1)
    waited = waited + 0.1
  end
  request = nil -- the request must stay referenced until the callback ran
  if type(data) ~= "string" or data == "" then
    refuse("Lightroom gave no preview of " .. photo_name(photo)
      .. (failure and (": " .. tostring(failure)) or "") .. ".")
  end
  local name = string.format("iea-preview-%s-%d.jpg", tostring(photo.localIdentifier), os.time())
  local path = LrPathUtils.child(LrPathUtils.getStandardFilePath("temp"), name)
  local handle = io.open(path, "wb")
  if not handle then
    refuse("Cannot write a preview to " .. path .. ".")
  end
  handle:write(data)
  handle:close()
  return path
end

-- --------------------------------------------------------------------- the photo as it is now --

local MAX_SETTING_TEXT = 200

-- The photo's current develop settings as plain JSON values (numbers, short texts, booleans and
-- tone curves), for iea to add its change to.
local function current_settings(photo)
  local out = {}
  local settings = photo:getDevelopSettings() or {}
  for key, value in pairs(settings) do
    if type(key) == "string" and string.find(key, "^[A-Za-z0-9]+$") then
      local kind = type(value)
      if kind == "number" and value == value and value ~= math.huge and value ~= -math.huge then
        out[key] = value
      elseif kind == "boolean" or (kind == "string" and #value <= MAX_SETTING_TEXT) then
        out[key] = value
      elseif kind == "table" and string.sub(key, 1, 9) == "ToneCurve" then
        local flat = {}
        for i, v in ipairs(value) do
          if type(v) ~= "number" then flat = nil break end
          flat[i] = v
        end
        if flat and #flat > 0 then out[key] = IeaJson.array(flat) end
      end
    end
  end
  return out
end

-- A raw's As Shot white balance: the current Temperature/Tint while White Balance is "As Shot",
-- remembered so that it is still known after the photographer (or iea) changes it.
local function as_shot(photo, settings)
  if not is_raw(photo) then return nil end
  local key = tostring(photo.localIdentifier)
  local stored = load_pref_json("asShot", {})
  if settings.WhiteBalance == "As Shot" and type(settings.Temperature) == "number" then
    local value = { Temperature = settings.Temperature,
                    Tint = type(settings.Tint) == "number" and settings.Tint or 0 }
    local old = stored[key]
    if type(old) ~= "table" or old.Temperature ~= value.Temperature or old.Tint ~= value.Tint then
      local count = 0
      for _ in pairs(stored) do count = count + 1 end
      if count >= MAX_REMEMBERED_EDITS then stored = {} end
      stored[key] = value
      save_pref_json("asShot", stored)
    end
    return value
  end
  local old = stored[key]
  if type(old) == "table" and type(old.Temperature) == "number" then
    return { Temperature = old.Temperature, Tint = type(old.Tint) == "number" and old.Tint or 0 }
  end
  return nil
end

-- Request fields that describe the photo as it is now (see docs/plugins.md).
local function state_params(photo, params)
  local settings = current_settings(photo)
  params.develop_settings = settings
  params.as_shot = as_shot(photo, settings)
  params.raw = is_raw(photo)
  params.host = "lightroom"
  return params
end

-- ----------------------------------------------------------- remembered instructions and edits --

local remembered = {} -- photo.localIdentifier -> { program, preview } (this session)

local function recent_instructions()
  local list = load_pref_json("recentInstructions", {})
  local out = {}
  for _, text in ipairs(list) do
    if type(text) == "string" then out[#out + 1] = text end
  end
  return out
end

local function remember_instruction(text)
  local list = { text }
  for _, old in ipairs(recent_instructions()) do
    if old ~= text and #list < MAX_RECENT then list[#list + 1] = old end
  end
  save_pref_json("recentInstructions", list)
end

-- What a refine needs: iea's last edit (a change to the photo as it was then) and the preview
-- the agent saw. The photo's settings are read afresh at refine time: they hold that edit.
local function remember_edit(photo, program, preview)
  local key = tostring(photo.localIdentifier)
  remembered[key] = { program = program, preview = preview }
  local stored = load_pref_json("lastEdits", {})
  stored[key] = { program = program }
  local count = 0
  for _ in pairs(stored) do count = count + 1 end
  if count > MAX_REMEMBERED_EDITS then stored = { [key] = stored[key] } end
  save_pref_json("lastEdits", stored)
end

local function last_edit(photo)
  local key = tostring(photo.localIdentifier)
  if remembered[key] then
    return remembered[key]
  end
  local stored = load_pref_json("lastEdits", {})[key]
  local program = type(stored) == "table" and IeaSettings.program(stored.program)
  if program then
    return { program = program }
  end
  return nil
end

local function load_styles()
  local styles = {}
  for name, style in pairs(load_pref_json("styles", {})) do
    if type(name) == "string" and type(style) == "table" then
      local program = IeaSettings.program(style.program)
      local settings = IeaSettings.develop_settings(style.settings)
      if program and settings then
        styles[name] = { program = program, settings = settings,
                         sentence = IeaSettings.text(style.sentence, "") }
      end
    end
  end
  return styles
end

local function style_names(styles)
  local names = {}
  for name in pairs(styles) do names[#names + 1] = name end
  table.sort(names)
  return names
end

-- ---------------------------------------------------------------------------- dialog pieces --

local function ask_text(context, title, prompt, verb, with_recent)
  local f = LrView.osFactory()
  local props = LrBinding.makePropertyTable(context)
  props.text = ""
  local rows = {
    f:static_text { title = prompt },
    f:edit_field { value = LrView.bind("text"), width_in_chars = 50, height_in_lines = 2,
                   immediate = true },
  }
  local recent = with_recent and recent_instructions() or {}
  if #recent > 0 then
    local items = {}
    for i, text in ipairs(recent) do items[i] = { title = text, value = text } end
    props.recent = ""
    props:addObserver("recent", function(p, _, value)
      if type(value) == "string" and value ~= "" then p.text = value end
    end)
    rows[#rows + 1] = f:row {
      f:static_text { title = "Recent:" },
      f:popup_menu { value = LrView.bind("recent"), items = items, width_in_chars = 40 },
    }
  end
  rows.bind_to_object = props
  local button = LrDialogs.presentModalDialog {
    title = title,
    contents = f:column(rows),
    actionVerb = verb,
  }
  local text = type(props.text) == "string" and props.text:gsub("^%s+", ""):gsub("%s+$", "") or ""
  if button ~= "ok" then
    return nil
  end
  if text == "" then
    refuse("Type what should change, for example \"warmer, lift the shadows\".")
  end
  return text
end

local function explain(item)
  local lines = {}
  if item.name then lines[#lines + 1] = item.name .. ": " .. IeaSettings.program_summary(item.program) end
  if item.reasoning and item.reasoning ~= "" then lines[#lines + 1] = item.reasoning end
  if type(item.plan) == "table" and #item.plan > 0 then
    lines[#lines + 1] = "Plan (checked on iea's render):"
    for _, line in ipairs(item.plan) do lines[#lines + 1] = "  " .. line end
  end
  if not item.name and not item.style then
    for _, tool in ipairs(IeaSettings.TOOLS) do
      local v = item.program[tool]
      if v then
        local why = item.explanations and item.explanations[tool]
        lines[#lines + 1] = string.format("%s %s%d%s", tool, v > 0 and "+" or "", v,
          why and why ~= "" and ("  (" .. why .. ")") or "")
      end
    end
    if next(item.program) == nil then lines[#lines + 1] = "iea suggests leaving the photo as it is." end
  end
  -- what Apply writes: each setting's value now and after, the rest stays as it is
  if item.change_lines and #item.change_lines > 0 then
    lines[#lines + 1] = "Lightroom settings (now -> after Apply; all others stay):"
    for _, line in ipairs(item.change_lines) do lines[#lines + 1] = "  " .. line end
  elseif item.change_lines then
    lines[#lines + 1] = "No Lightroom setting changes."
  end
  for _, note in ipairs(item.notes or {}) do lines[#lines + 1] = "Note: " .. note end
  return table.concat(lines, "\n")
end

-- Show what the agent proposes; true when the photographer chose to apply it.
local function review(title, items, verb)
  local f = LrView.osFactory()
  local rows = {}
  for _, item in ipairs(items) do
    rows[#rows + 1] = f:static_text { title = explain(item), width_in_chars = 70,
                                      height_in_lines = #items > 1 and 3 or 12 }
  end
  local button = LrDialogs.presentModalDialog {
    title = title,
    contents = f:scrolled_view { width = 620, height = #items > 1 and 400 or 320, f:column(rows) },
    actionVerb = verb or "Apply",
  }
  return button == "ok"
end

-- Apply each item's settings in one write-access block: one undo step for the whole batch.
-- The settings are final values (the photo's own + iea's change), only those that change.
local function apply_all(catalog, items, label)
  local applied = 0
  local status = catalog:withWriteAccessDo(label, function()
    for _, item in ipairs(items) do
      if next(item.settings) ~= nil then
        item.photo:applyDevelopSettings(item.settings, label)
        applied = applied + 1
      end
    end
  end, { timeout = 30 })
  if status ~= nil and status ~= "executed" then
    refuse("Lightroom's catalog was busy; nothing was changed. Try again.")
  end
  return applied
end

-- Call METHOD for each photo under a cancellable progress bar. make_params(photo) -> params.
local function per_photo(context, title, photos, method, make_params)
  local scope = LrProgressScope { title = title, functionContext = context }
  local items = {}
  for i, photo in ipairs(photos) do
    if scope:isCanceled() then break end
    scope:setCaption(photo_name(photo))
    scope:setPortionComplete(i - 1, #photos)
    local params, preview = make_params(photo)
    local result = call(method, params)
    local edit, problem = IeaSettings.edit_result(result)
    if not edit then
      refuse("iea's answer for " .. photo_name(photo) .. " was refused: " .. problem .. ".")
    end
    edit.photo, edit.preview = photo, preview
    edit.name = #photos > 1 and photo_name(photo) or nil
    items[#items + 1] = edit
  end
  local canceled = scope:isCanceled()
  scope:done()
  return items, canceled
end

-- --------------------------------------------------------------------------------- actions --

-- Show the answers; on Apply write them (one undo step) and remember them for a refine.
local function review_and_apply(catalog, items, canceled, label)
  if canceled and #items == 0 then return end
  if not review(label, items, "Apply") then return end
  apply_all(catalog, items, label)
  for _, item in ipairs(items) do
    remember_edit(item.photo, item.program, item.preview)
  end
end

local function edit(context)
  local catalog, photos = target_photos(1)
  local instruction = ask_text(context, "Edit with iea",
    "What should change? (e.g. \"warmer, lift the shadows, less harsh\")", "Edit", true)
  if not instruction then return end
  remember_instruction(instruction)
  local items, canceled = per_photo(context, "iea: editing", photos, "edit", function(photo)
    -- the preview shows the photo with its current settings: the answer is a change to that
    local preview = write_preview(photo)
    return state_params(photo, { image = preview, instruction = instruction,
                                 history = IeaJson.array({}) }), preview
  end)
  review_and_apply(catalog, items, canceled, "iea: " .. instruction)
end

local function refine(context)
  local catalog, photos = target_photos(1)
  for _, photo in ipairs(photos) do
    if not last_edit(photo) then
      refuse(photo_name(photo) .. " has no iea edit to refine yet. Use \"Edit with iea…\" first.")
    end
  end
  local feedback = ask_text(context, "Refine last edit",
    "What should change from the last edit? (e.g. \"a bit less warm\")", "Refine", false)
  if not feedback then return end
  local items, canceled = per_photo(context, "iea: refining", photos, "refine", function(photo)
    local last = last_edit(photo)
    -- The agent sees the preview it saw for the last edit, or (in a later session, once that is
    -- gone) the photo as Lightroom renders it now. Either way iea adds only the difference
    -- between the refined edit and the last one to the photo's current settings, which already
    -- hold the last edit and everything the photographer did since.
    local image = last.preview
    if not (image and LrFileUtils.exists(image)) then
      image = write_preview(photo)
    end
    return state_params(photo, { image = image, program = last.program, feedback = feedback,
                                 history = IeaJson.array({}) }), image
  end)
  review_and_apply(catalog, items, canceled, "iea: " .. feedback)
end

local function summarize(context)
  local _, photos = target_photos(2)
  if #photos ~= 2 then
    refuse("Select exactly two photos: the original first, then the edited one.")
  end
  local f = LrView.osFactory()
  local props = LrBinding.makePropertyTable(context)
  props.swap, props.name = false, "iea style"
  local button = LrDialogs.presentModalDialog {
    title = "Summarize style from two photos",
    contents = f:column {
      bind_to_object = props,
      f:static_text { title = "Before: " .. photo_name(photos[1]) .. "\nAfter: " .. photo_name(photos[2]) },
      f:checkbox { title = "Swap before and after", value = LrView.bind("swap") },
      f:row { f:static_text { title = "Style name:" },
              f:edit_field { value = LrView.bind("name"), width_in_chars = 30 } },
    },
    actionVerb = "Summarize",
  }
  if button ~= "ok" then return end
  local before, after = photos[1], photos[2]
  if props.swap then before, after = after, before end
  local name = type(props.name) == "string" and props.name:gsub("^%s+", ""):gsub("%s+$", "") or ""
  if name == "" then name = "iea style" end
  local result = call("summarize", { before = write_preview(before), after = write_preview(after),
                                     host = "lightroom" })
  local program, problem = IeaSettings.program(result.program)
  local settings
  if program then
    settings, problem = IeaSettings.develop_settings(result.host_settings)
  end
  if not program or not settings then
    refuse("iea's summary was refused: " .. problem .. ".")
  end
  local sentence = IeaSettings.text(result.sentence, "")
  local item = { program = program, reasoning = sentence }
  if not review("iea style: " .. name, { item }, "Save style") then return end
  local styles = load_pref_json("styles", {})
  styles[name] = { program = program, settings = settings, sentence = sentence }
  save_pref_json("styles", styles)
  LrDialogs.message("iea", "Saved the style \"" .. name .. "\": " .. sentence
    .. "\n\nUse \"Apply style to selected…\" or \"Export style as preset…\".", "info")
end

local function choose_style(context, title, verb)
  local styles = load_styles()
  local names = style_names(styles)
  if #names == 0 then
    refuse("There is no iea style yet. Use \"Summarize style from two photos…\" first.")
  end
  local f = LrView.osFactory()
  local props = LrBinding.makePropertyTable(context)
  props.style = names[1]
  local items = {}
  for i, name in ipairs(names) do items[i] = { title = name, value = name } end
  local button = LrDialogs.presentModalDialog {
    title = title,
    contents = f:column {
      bind_to_object = props,
      f:popup_menu { value = LrView.bind("style"), items = items, width_in_chars = 40 },
    },
    actionVerb = verb,
  }
  if button ~= "ok" then return nil end
  local style = styles[props.style]
  if not style then refuse("Choose one of the listed styles.") end
  return props.style, style
end

local function apply_style(context)
  local catalog, photos = target_photos(1)
  local name, style = choose_style(context, "Apply iea style", "Apply")
  if not name then return end
  -- Each photo gets the style as a change to its own current settings (a raw's white balance
  -- moves from its As Shot value), computed by iea and shown before -> after first.
  local items, canceled = per_photo(context, "iea: applying " .. name, photos, "compose",
    function(photo)
      return state_params(photo, { program = style.program }), nil
    end)
  if canceled and #items == 0 then return end
  for _, item in ipairs(items) do
    item.style = true
    item.name = (item.name or photo_name(item.photo)) .. " (" .. name .. ")"
  end
  if not review("iea style: " .. name, items, "Apply") then return end
  local applied = apply_all(catalog, items, "iea style: " .. name)
  LrDialogs.message("iea", string.format("Applied \"%s\" to %d photo(s).", name, applied), "info")
end

local function cameraraw_settings_folder()
  -- Lightroom's app data folder is .../Adobe/Lightroom; user presets live in .../Adobe/CameraRaw/Settings.
  local adobe = LrPathUtils.parent(LrPathUtils.getStandardFilePath("appData"))
  return LrPathUtils.child(LrPathUtils.child(adobe, "CameraRaw"), "Settings")
end

local function export_preset(context)
  local name, style = choose_style(context, "Export iea style as a Lightroom preset", "Export")
  if not name then return end
  local dest = cameraraw_settings_folder()
  local result = call("export_preset", { program = style.program, name = name, group = "iea",
                                         host = "lightroom", dest = dest })
  local files = {}
  if type(result.files) == "table" then
    for _, path in ipairs(result.files) do
      if type(path) == "string" then files[#files + 1] = IeaSettings.text(path, "", 500) end
    end
  end
  if #files == 0 then refuse("iea wrote no preset file.") end
  LrDialogs.message("iea", "Wrote the preset \"" .. name .. "\":\n" .. table.concat(files, "\n")
    .. "\n\nRestart Lightroom to see it under Presets > iea.", "info")
end

local function status()
  local result = call("health", {})
  LrDialogs.message("iea status", string.format(
    "iea %s is running.\nAgent: %s\nWorkers: %s\nClient: %s",
    IeaSettings.text(result.version, "?", 40), IeaSettings.text(result.backend, "?", 80),
    type(result.workers) == "number" and tostring(result.workers) or "?",
    IeaClient.client_path() or "?"), "info")
end

IeaActions.handlers = {
  edit = edit,
  refine = refine,
  summarize = summarize,
  apply_style = apply_style,
  export_preset = export_preset,
  status = status,
}

local TITLES = {
  edit = "Edit", refine = "Refine", summarize = "Summarize style", apply_style = "Apply style",
  export_preset = "Export preset", status = "Status",
}

-- Entry point of every menu item script.
function IeaActions.run(name)
  run_task(TITLES[name] or name, IeaActions.handlers[name])
end

return IeaActions
