--[[
  iea.lua - describe a change in words, get an explainable edit from iea's agent

  This file is part of iea. Licensed under the Apache License, Version 2.0.

  iea answers an instruction such as "warmer, lift the shadows, less harsh" with a program over
  16 global tools (exposure, contrast, temperature, ...) and its reasoning. This script is the
  darktable side, and stays thin: it sends requests through the `iea client` command, imports the
  darktable style (.dtstyle) iea writes for each answer, and applies it to the images. The edit
  lands in each image's history stack like any other, so it can be inspected, tweaked or undone
  in the darkroom.

  ADDITIONAL SOFTWARE NEEDED FOR THIS SCRIPT
  * iea (`pip install iea`), which provides the `iea` command

  USAGE
  * run `iea plugin install darktable`: it copies this script to <configdir>/lua/iea/, adds
    `require "iea/iea"` to luarc and records where the `iea` command lives
  * in the lighttable, open the "iea" module in the right panel
  * select images, type what should change, press "edit"
  * "refine" adjusts the last edit from feedback ("a bit less warm")
  * every edit is a change to the image as it is now: iea reads the image's history (its XMP
    sidecar), and each "iea <tool>" instance it already has is updated to old + change, so
    "warmer" then "a touch warmer" is warmer twice; the status shows each instance's
    before -> after
  * "summarize selected pair" turns a before/after pair into a reusable style, the first image
    you clicked being the original (tick "swap" to use the other order);
    "apply style" applies it to the selected images; "export preset" saves it as a .dtstyle

  A reply is only ever read as data (JSON), never run as code.
]]

local dt = require "darktable"
local IeaJson = require "iea/IeaJson"

local MODULE = "iea"

-- lua-scripts' helper library is optional: check the API level with it when it is installed,
-- by hand otherwise (Debian's darktable ships without lua-scripts).
local has_du, du = pcall(require, "lib/dtutils")
if has_du then
  du.check_min_api_version("7.0.0", MODULE)
elseif dt.configuration.api_version_major < 7 then
  dt.print_error("iea needs darktable 4.0 or newer (Lua API 7.0.0)")
  error("iea: darktable's Lua API " .. dt.configuration.api_version_string .. " is too old")
end

local gettext = dt.gettext
local function _(msg)
  return gettext.dgettext("iea", msg)
end

-- -------------------------------------------------------------------------------- script data --

local script_data = {}

script_data.metadata = {
  name = "iea",
  purpose = _("edit images by describing the change, with iea's agent"),
  author = "iea contributors",
  help = "https://github.com/iea-photo/iea/blob/main/docs/plugins.md"
}

script_data.destroy = nil
script_data.destroy_method = nil
script_data.restart = nil
script_data.show = nil

-- ------------------------------------------------------------------------------------ state --

local iea = {
  module_installed = false,
  event_registered = false,
  widgets = {},
  last_program = {},     -- image id -> program of its last iea edit (this session)
  clicked = {},          -- selected image ids in the order the photographer selected them
  current_style = nil,   -- { name, program, sentence } from the last summarized pair
  busy = false,
}

local DEFAULT_TIMEOUT = 120
local MAX_REPLY_BYTES = 8 * 1024 * 1024
local TOOLS = {
  "exposure", "brightness", "contrast", "natural_contrast", "highlights", "shadows", "whites",
  "blacks", "saturation", "vibrance", "temperature", "tint", "sharpness", "vignette", "fade",
  "grain",
}
local TOOL_SET = {}
for _i, name in ipairs(TOOLS) do TOOL_SET[name] = true end

local function script_dir()
  local source = debug.getinfo(1, "S").source
  local dir = source:match("^@(.*)[/\\][^/\\]*$")
  return dir or (dt.configuration.config_dir .. "/lua/iea")
end

local function read_file(path, limit)
  local handle = io.open(path, "rb")
  if not handle then return nil end
  local text = handle:read(limit + 1)
  handle:close()
  if text and #text > limit then return nil, "too large" end
  return text or ""
end

-- The `iea` command `iea plugin install darktable` recorded in config.json, or plain "iea".
local function installed_client()
  local text = read_file(script_dir() .. "/config.json", 64 * 1024)
  local config = text and IeaJson.decode(text)
  if type(config) == "table" and type(config.client) == "string" and config.client ~= "" then
    return config.client
  end
  return "iea"
end

dt.preferences.register(MODULE, "client_path", "file",
  _("iea: client program"),
  _("the `iea` command the iea module runs; `iea plugin install darktable` sets it"),
  installed_client())
dt.preferences.register(MODULE, "timeout", "integer",
  _("iea: timeout in seconds"),
  _("how long to wait for iea's answer on one image (the first request also starts the agent)"),
  DEFAULT_TIMEOUT, 5, 3600)

-- A fresh temporary file name ending in `suffix`. os.tmpname() creates the file it names; it is
-- removed at once when another name (name .. suffix) is used instead, so nothing is left behind.
local function temp_path(suffix)
  local name = os.tmpname()
  if suffix and suffix ~= "" then
    os.remove(name)
    return name .. suffix
  end
  return name
end

local function is_path(program)
  return program:find("[/\\]") ~= nil
end

local function file_exists(path)
  local handle = io.open(path, "rb")
  if handle then handle:close() end
  return handle ~= nil
end

-- The client to run: the preference, unless it names a file that is gone (iea reinstalled
-- elsewhere since darktable stored it), then what the installer recorded last.
local function client_program()
  local client = dt.preferences.read(MODULE, "client_path", "file")
  if client == nil or client == "" or (is_path(client) and not file_exists(client)) then
    client = installed_client()
  end
  return client
end

-- Say once, at start-up, when the client is missing: every action would fail.
local function check_client_once()
  local client = client_program()
  if is_path(client) and not file_exists(client) then
    dt.print(_("iea: the client program is missing: ") .. client
      .. _("; run `iea plugin install darktable` again"))
    dt.print_log("iea: client program not found: " .. client)
    return false
  end
  return true
end

-- ------------------------------------------------------------------------------- messages --

local function set_status(text)
  local view = iea.widgets.status
  if view then
    view.text = text
    -- After a long wait in dt.control.execute, GTK keeps the text view at its old height and
    -- clips the new text; folding the module and unfolding it again lays it out afresh.
    local lib = iea.module_installed and dt.gui.libs[MODULE]
    if lib and lib.expanded then
      lib.expanded = false
      dt.control.sleep(50) -- let the GUI thread fold it before unfolding
      lib.expanded = true
    end
  end
  dt.print_log("iea: " .. text)
end

-- Tell the photographer once, in the toast and in the module, and keep a line in the log.
local function report_problem(text)
  dt.print(text)
  set_status(text)
end

local function refuse(text)
  error({ iea_message = text }, 0)
end

local function message_of(err)
  if type(err) == "table" and type(err.iea_message) == "string" then
    return err.iea_message
  end
  return _("the iea module ran into a problem it did not expect: ") .. tostring(err)
end

-- -------------------------------------------------------------------------------- client --

local function quote(arg)
  arg = tostring(arg)
  if dt.configuration.running_os == "windows" then
    -- file paths only (parameters travel in a file): quotes as \", trailing backslashes doubled
    arg = arg:gsub('(\\*)"', function(s) return s .. s .. '\\"' end):gsub("(\\+)$", "%1%1")
    return '"' .. arg .. '"'
  end
  return "'" .. arg:gsub("'", "'\\''") .. "'"
end

local FRIENDLY = {
  unavailable = _("iea is not running and could not be started; check that `iea client health` works in a terminal"),
  timeout = _("iea did not answer in time; try again or raise the timeout in preferences > lua options"),
  busy = _("iea is busy with other work; try again in a moment"),
}

-- Exit code + reply text -> result table, or raises a message for the photographer.
local function interpret(exit_code, text)
  if text == nil or text == "" then
    if exit_code == 3 then refuse(FRIENDLY.unavailable) end
    if exit_code == 126 or exit_code == 127 then
      refuse(_("the iea client could not be run; set its path in preferences > lua options"))
    end
    refuse(string.format(_("the iea client stopped without answering (exit code %d)"), exit_code))
  end
  local envelope, err = IeaJson.decode(text)
  if not envelope then refuse(_("iea sent a reply the module cannot read: ") .. err) end
  if type(envelope) ~= "table" or envelope.v ~= 1 or type(envelope.ok) ~= "boolean" then
    refuse(_("iea sent a reply in an unknown format"))
  end
  if envelope.ok then
    if exit_code ~= 0 or type(envelope.result) ~= "table" or IeaJson.is_array(envelope.result) then
      refuse(_("iea's reply holds no result"))
    end
    return envelope.result
  end
  local e = type(envelope.error) == "table" and envelope.error or {}
  local code = type(e.code) == "string" and e.code:sub(1, 64) or "error"
  local message = type(e.message) == "string" and e.message:sub(1, 1000) or ""
  if FRIENDLY[code] then
    refuse(FRIENDLY[code] .. (message ~= "" and (" (" .. message .. ")") or ""))
  end
  refuse(message ~= "" and message or (_("iea could not do this: ") .. code))
end

-- Run `iea client METHOD --json @REQUEST --out REPLY --timeout S` and return the result table.
-- The parameters go through a file so that no JSON ever needs shell quoting.
local function call(method, params)
  local client = client_program()
  local timeout = dt.preferences.read(MODULE, "timeout", "integer")
  if not timeout or timeout < 5 then timeout = DEFAULT_TIMEOUT end
  local json, err = IeaJson.encode(params)
  if not json then refuse(_("cannot send this request: ") .. err) end
  local request, out = os.tmpname(), os.tmpname()
  local handle = io.open(request, "wb")
  if not handle then refuse(_("cannot write a temporary file: ") .. request) end
  handle:write(json)
  handle:close()
  local command = table.concat({ quote(client), "client", method, "--json", quote("@" .. request),
                                 "--out", quote(out), "--timeout", tostring(timeout) }, " ")
  if dt.configuration.running_os == "windows" then
    command = '"' .. command .. '"' -- cmd /c strips one outer pair of quotes
  end
  local status = dt.control.execute(command)
  os.remove(request)
  -- system() status: POSIX packs the exit code in the high byte
  local exit_code = (status and status >= 256) and (status // 256) or (status or -1)
  local text, problem = read_file(out, MAX_REPLY_BYTES)
  os.remove(out)
  if problem then refuse(_("iea's reply is larger than the module accepts")) end
  return interpret(exit_code, text)
end

-- ---------------------------------------------------------------------- checking replies --

local function check_program(program)
  if type(program) ~= "table" or IeaJson.is_array(program) then
    refuse(_("iea's reply holds no program"))
  end
  local clean = {}
  for tool, value in pairs(program) do
    if not TOOL_SET[tool] then refuse(_("iea's program names an unknown tool: ") .. tostring(tool)) end
    if math.type(value) == "float" and value == math.floor(value) then value = math.tointeger(value) end
    if math.type(value) ~= "integer" or value < -100 or value > 100 then
      refuse(string.format(_("iea's program has an invalid value for %s"), tool))
    end
    if value ~= 0 then clean[tool] = value end
  end
  return clean
end

-- host_settings for darktable: { dtstyle = path, style_name = name }.
-- "iea exposure +10 -> +20, ..." from a reply's `changes` (display only).
local function changes_text(changes)
  local parts = {}
  if type(changes) ~= "table" then return "" end
  for _i, change in ipairs(changes) do
    if type(change) == "table" and type(change.key) == "string" and #parts < 32
        and math.type(change.before) and math.type(change.after) then
      parts[#parts + 1] = string.format("%s %+d -> %+d", change.key:sub(1, 60),
        math.floor(change.before), math.floor(change.after))
    end
  end
  return table.concat(parts, "\n")
end

local function check_style_reply(settings)
  if type(settings) ~= "table" then refuse(_("iea's reply holds no darktable style")) end
  local path, name = settings.dtstyle, settings.style_name
  if type(path) ~= "string" or not path:match("%.dtstyle$") or path:find("[%c]") then
    refuse(_("iea's reply names no .dtstyle file"))
  end
  if type(name) ~= "string" or #name == 0 or #name > 200 or name:find("[%c]") then
    refuse(_("iea's reply holds no usable style name"))
  end
  local text = read_file(path, 1024 * 1024)
  if not text then refuse(_("cannot read the style iea wrote: ") .. path) end
  if not text:find("<darktable_style", 1, true) then
    refuse(_("the file iea wrote is not a darktable style: ") .. path)
  end
  return path, name
end

local function text_of(value, limit)
  if type(value) ~= "string" then return "" end
  return value:sub(1, limit or 2000)
end

local function program_summary(program)
  local parts = {}
  for _i, tool in ipairs(TOOLS) do
    local v = program[tool]
    if v then parts[#parts + 1] = string.format("%s %+d", tool, v) end
  end
  return #parts > 0 and table.concat(parts, ", ") or _("no change")
end

-- -------------------------------------------------------------------------------- styles --

local function find_style(name)
  for _i, style in ipairs(dt.styles) do
    if style.name == name then return style end
  end
  return nil
end

-- Import the .dtstyle iea wrote; a style of the same name (an older answer) is replaced, since
-- darktable refuses to import over an existing name.
local function import_style(path, name)
  local old = find_style(name)
  if old then dt.styles.delete(old) end
  dt.styles.import(path)
  local style = find_style(name)
  if not style then
    refuse(string.format(_("darktable did not import the style '%s' from %s"), name, path))
  end
  return style
end

-- ------------------------------------------------------------------------------ images --

local function image_path(image)
  return image.path .. "/" .. image.filename
end

local function is_raw(image)
  return image.is_raw == true
end

local function action_images(minimum)
  local images = {}
  for _i, image in ipairs(dt.gui.action_images) do images[#images + 1] = image end
  if #images < minimum then
    refuse(minimum == 1 and _("select an image first")
      or string.format(_("select %d images first"), minimum))
  end
  return images
end

-- A JPEG of the image as darktable renders it now (with its history), for summarizing.
local function export_preview(image)
  local format = dt.new_format("jpeg")
  format.max_width, format.max_height = 1024, 1024
  local path = temp_path(".jpg")
  format:write_image(image, path)
  local written = io.open(path, "rb")
  local size = written and written:seek("end") or 0
  if written then written:close() end
  if size == 0 then
    refuse(_("darktable could not export a preview of ") .. image.filename)
  end
  return path
end

-- ----------------------------------------------------------------------------- actions --

-- Run fn with a progress job over images; each image is one client call. Returns count done.
local function for_each_with_job(title, images, fn)
  local cancelled = false
  local job = dt.gui.create_job(title, true, function(j)
    cancelled = true
    j.valid = false
  end)
  local done = 0
  local ok, err = pcall(function()
    for i, image in ipairs(images) do
      if cancelled then break end
      fn(image, i)
      done = done + 1
      job.percent = i / #images
    end
  end)
  if job.valid then job.valid = false end
  if not ok then error(err, 0) end
  return done, cancelled
end

-- The image's XMP sidecar, when darktable has written one: its history is the image's current
-- state (the photographer's modules and iea's earlier instances).
local function sidecar_of(image)
  local path = image.sidecar
  if type(path) ~= "string" or path == "" then path = image_path(image) .. ".xmp" end
  return file_exists(path) and path or nil
end

-- The plan of a mood request ("a cold winter morning"): each step with pass/fail and the value
-- iea measured on its render, then conflicts and notes; "" when the request was not planned.
local function plan_text(plan)
  if type(plan) ~= "table" or type(plan.verdicts) ~= "table" then return "" end
  local lines = { _("plan (checked on iea's render):") }
  for i, verdict in ipairs(plan.verdicts) do
    if type(verdict) == "table" and i <= 20 then
      local measured = ""
      if type(verdict.measured) == "number" and type(verdict.before) == "number" then
        measured = string.format(" (%.3g -> %.3g)", verdict.before, verdict.measured)
      end
      lines[#lines + 1] = string.format("%d. [%s] %s%s", i, verdict.passed == true and "pass"
        or "FAIL", text_of(verdict.target), measured)
    end
  end
  for _i, item in ipairs(type(plan.conflicts) == "table" and plan.conflicts or {}) do
    if type(item) == "table" then lines[#lines + 1] = text_of(item.message) end
  end
  return table.concat(lines, "\n")
end


-- Edit or refine one image: ask iea, import its style, apply it, remember the program.
-- iea looks at the image as darktable renders it now (the photographer's own edits and iea's
-- earlier ones included) and reads its history from the sidecar; its answer is a change, and
-- the style it sends sets each "iea <tool>" instance to old + change. darktable replaces an
-- instance of the same name when a style is applied, so edits accumulate instead of resetting.
local function edit_one(method, image, text)
  local preview = export_preview(image)
  local params = { image = preview, host = "darktable", raw = is_raw(image),
                   history = IeaJson.array({}), sidecar = sidecar_of(image) }
  if method == "refine" then
    -- after a restart the last edit is not known here: iea then refines what its instances hold
    params.program, params.feedback = iea.last_program[image.id] or {}, text
  else
    params.instruction = text
  end
  local ok, result = pcall(call, method, params)
  os.remove(preview) -- no preview is left in the temp folder
  if not ok then error(result, 0) end
  if result.understood == false then
    -- the agent could not read the request: nothing is applied, its message is shown
    return nil, text_of(result.message or result.reasoning)
  end
  local program = check_program(result.program)
  local path, name = check_style_reply(result.host_settings)
  local style = import_style(path, name)
  dt.styles.apply(style, image)
  dt.styles.delete(style) -- the history keeps the edit; the style list stays clean
  os.remove(path) -- the style file was made for this one edit
  iea.last_program[image.id] = program
  return program, text_of(result.reasoning), changes_text(result.changes), plan_text(result.plan)
end

local function guarded(fn)
  return function(...)
    if iea.busy then
      dt.print(_("iea is still working on the last request"))
      return
    end
    iea.busy = true
    local ok, err = pcall(fn, ...)
    iea.busy = false
    if not ok then report_problem(message_of(err)) end
  end
end

local function instruction_text()
  local text = iea.widgets.instruction.text or ""
  text = text:gsub("^%s+", ""):gsub("%s+$", "")
  if text == "" then
    refuse(_("type what should change, for example \"warmer, lift the shadows\""))
  end
  return text
end

local function run_edits(method, title)
  local images = action_images(1)
  local text = instruction_text()
  local lines = {}
  local done, cancelled = for_each_with_job(title, images, function(image)
    set_status(_("working on ") .. image.filename .. " ...")
    local program, reasoning, changes, plan = edit_one(method, image, text)
    lines[#lines + 1] = image.filename .. ": " ..
      (program and program_summary(program) or _("not understood, nothing changed"))
    if changes and changes ~= "" then lines[#lines + 1] = changes end
    if #images == 1 and reasoning ~= "" then lines[#lines + 1] = reasoning end
    if #images == 1 and plan and plan ~= "" then lines[#lines + 1] = plan end
  end)
  if cancelled then lines[#lines + 1] = string.format(_("cancelled after %d of %d"), done, #images) end
  set_status(table.concat(lines, "\n"))
  dt.print(string.format(_("iea edited %d image(s)"), done))
end

local function edit()
  run_edits("edit", _("iea: editing"))
end

local function refine()
  run_edits("refine", _("iea: refining"))
end

-- Keep the selection in the order the photographer clicked: darktable lists selected images in
-- collection order, which says nothing about which one is the original.
local function track_selection()
  local selected, seen = {}, {}
  for _i, image in ipairs(dt.gui.selection()) do selected[image.id] = image end
  local order = {}
  for _i, id in ipairs(iea.clicked) do
    if selected[id] and not seen[id] then order[#order + 1] = id; seen[id] = true end
  end
  for _i, image in ipairs(dt.gui.selection()) do
    if not seen[image.id] then order[#order + 1] = image.id; seen[image.id] = true end
  end
  iea.clicked = order
end

-- The two images of a pair: the first clicked is the original unless "swap" is ticked.
local function pair_in_click_order()
  local images = action_images(2)
  if #images ~= 2 then refuse(_("select exactly two images: the original, then the edited one")) end
  track_selection()
  local by_id = {}
  for _i, image in ipairs(images) do by_id[image.id] = image end
  local ordered = {}
  for _i, id in ipairs(iea.clicked) do
    if by_id[id] then ordered[#ordered + 1] = by_id[id] end
  end
  if #ordered ~= 2 then ordered = images end
  if iea.widgets.swap.value then ordered[1], ordered[2] = ordered[2], ordered[1] end
  return ordered
end

local function summarize()
  local images = pair_in_click_order()
  set_status(_("summarizing ") .. images[1].filename .. " -> " .. images[2].filename .. " ...")
  local before, after = export_preview(images[1]), export_preview(images[2])
  local params = { before = before, after = after, host = "darktable" }
  local name = (iea.widgets.name.text or ""):gsub("^%s+", ""):gsub("%s+$", "")
  if name ~= "" then params.name = name end -- the style is saved under the name typed below
  local ok, result = pcall(call, "summarize", params)
  os.remove(before)
  os.remove(after)
  if not ok then error(result, 0) end
  local program = check_program(result.program)
  local path, name = check_style_reply(result.host_settings)
  import_style(path, name) -- kept: it is the photographer's new style
  iea.current_style = { name = name, program = program, sentence = text_of(result.sentence) }
  set_status(string.format(_("style '%s' (%s -> %s): %s\n%s"), name, images[1].filename,
                           images[2].filename, iea.current_style.sentence,
                           program_summary(program)))
end

-- Apply the summarized style as a change to each image as it is now: iea turns it into a style
-- whose "iea <tool>" items carry each image's current value + the style's (applying the style
-- darktable imported as is would set iea's instances to the style's values and undo earlier
-- iea edits).
local function apply_style()
  local current = iea.current_style
  if not current then
    refuse(_("summarize a before/after pair first (or use darktable's styles module)"))
  end
  local images = action_images(1)
  local lines = {}
  local done = for_each_with_job(_("iea: applying style"), images, function(image)
    local result = call("compose", { program = current.program, host = "darktable",
                                     raw = is_raw(image), sidecar = sidecar_of(image) })
    check_program(result.program)
    local path, name = check_style_reply(result.host_settings)
    local style = import_style(path, name)
    dt.styles.apply(style, image)
    dt.styles.delete(style)
    os.remove(path)
    local changes = changes_text(result.changes)
    lines[#lines + 1] = image.filename .. (changes ~= "" and (":\n" .. changes) or "")
  end)
  set_status(string.format(_("applied '%s' to %d image(s)"), current.name, done)
    .. (#lines > 0 and ("\n" .. table.concat(lines, "\n")) or ""))
end

local function export_preset()
  local current = iea.current_style
  local program = current and current.program
  if not program then
    local images = dt.gui.action_images
    program = #images > 0 and iea.last_program[images[1].id] or nil
  end
  if not program then refuse(_("summarize a pair or edit an image first: there is nothing to export")) end
  local name = (iea.widgets.name.text or ""):gsub("^%s+", ""):gsub("%s+$", "")
  if name == "" then name = current and current.name or "iea style" end
  local dest = dt.configuration.config_dir .. "/styles"
  local result = call("export_preset", { program = program, name = name, group = "iea",
                                         host = "darktable", dest = dest })
  local files = {}
  for _i, file in ipairs(type(result.files) == "table" and result.files or {}) do
    if type(file) == "string" and file:match("%.dtstyle$") then files[#files + 1] = file end
  end
  if #files == 0 then refuse(_("iea wrote no darktable style")) end
  for _i, file in ipairs(files) do
    local text = read_file(file, 1024 * 1024) or ""
    local style_name = text:match("<name>(.-)</name>")
    if style_name and find_style(style_name) then dt.styles.delete(find_style(style_name)) end
    dt.styles.import(file)
  end
  set_status(_("exported ") .. table.concat(files, ", "))
  dt.print(string.format(_("iea style '%s' is now in the styles module"), name))
end

-- The selected images (not the hovered one: these actions are about a whole selection).
local function selected_images(minimum)
  local images = {}
  for _i, image in ipairs(dt.gui.selection()) do images[#images + 1] = image end
  if #images < minimum then
    refuse(minimum == 1 and _("select an image first")
      or string.format(_("select %d images first"), minimum))
  end
  return images
end

-- Learn a style from the selected images' darktable edits (iea reads their sidecars and the
-- unedited originals); the report says which tools are consistent and which follow the photo.
local function learn_style()
  local images = selected_images(5)
  local name = (iea.widgets.name.text or ""):gsub("^%s+", ""):gsub("%s+$", "")
  if name == "" then name = "my style" end
  set_status(string.format(_("learning '%s' from %d images ..."), name, #images))
  local paths = {}
  for _i, image in ipairs(images) do paths[#paths + 1] = image_path(image) end
  local result = call("style_learn", { name = name, images = paths, host = "darktable",
                                       replace = true })
  local lines = {}
  for _i, row in ipairs(type(result.report) == "table" and result.report or {}) do
    if type(row) == "table" and row.verdict ~= "not used" then lines[#lines + 1] = text_of(row.sentence, 300) end
  end
  iea.learned_style = text_of(result.name, 64) ~= "" and text_of(result.name, 64) or name
  set_status(string.format(_("learned '%s' from %d images:\n%s"), iea.learned_style,
    math.tointeger(result.examples) or #images, table.concat(lines, "\n")))
end

-- Review: each selected image gets its own values from the learned style (a job with progress
-- and cancel); nothing changes until "apply reviewed".
local function review_learned()
  local name = iea.learned_style or (iea.widgets.name.text or ""):gsub("^%s+", ""):gsub("%s+$", "")
  if name == "" then refuse(_("learn a style first (or type its name below)")) end
  local images = selected_images(1)
  local pending, lines = {}, {}
  local _done, cancelled = for_each_with_job(_("iea: reviewing style"), images, function(image)
    -- the image's history as darktable wrote it: iea sets the style's tools from it
    local params = { style = name, images = { image_path(image) }, raw = { is_raw(image) },
                     host = "darktable" }
    local sidecar = sidecar_of(image)
    if sidecar then params.sidecars = { sidecar } end
    local result = call("style_programs", params)
    local entry = type(result.results) == "table" and result.results[1] or nil
    if type(entry) == "table" and entry.ok then
      local program = check_program(entry.program)
      local path, style_name = check_style_reply(entry.host_settings)
      pending[#pending + 1] = { image = image, path = path, name = style_name }
      lines[#lines + 1] = image.filename .. ": " .. program_summary(program)
    else
      local err = type(entry) == "table" and type(entry.error) == "table" and entry.error.message
      lines[#lines + 1] = image.filename .. ": " .. _("skipped") .. " (" .. text_of(err, 300) .. ")"
    end
  end)
  iea.pending = { style = name, items = pending }
  set_status(string.format(_("'%s' would set%s:\n%s\npress 'apply reviewed' to apply"), name,
    cancelled and _(" (review cancelled)") or "", table.concat(lines, "\n")))
end

local function apply_reviewed()
  local pending = iea.pending
  if not pending or #pending.items == 0 then refuse(_("review a learned style first")) end
  iea.pending = nil
  local done, cancelled = for_each_with_job(_("iea: applying style"), pending.items, function(item)
    local style = import_style(item.path, item.name)
    dt.styles.apply(style, item.image)
    dt.styles.delete(style)
  end)
  set_status(string.format(_("applied '%s' to %d image(s)%s"), pending.style, done,
    cancelled and _(" (cancelled)") or ""))
end

iea.actions = {
  learn_style = guarded(learn_style),
  review_learned = guarded(review_learned),
  apply_reviewed = guarded(apply_reviewed),
  edit = guarded(edit),
  refine = guarded(refine),
  summarize = guarded(summarize),
  apply_style = guarded(apply_style),
  export_preset = guarded(export_preset),
}

-- ------------------------------------------------------------------------------ widgets --

iea.widgets.instruction = dt.new_widget("entry") {
  text = "",
  placeholder = _("e.g. warmer, lift the shadows, less harsh"),
  editable = true,
  tooltip = _("what should change in the selected images"),
}
iea.widgets.name = dt.new_widget("entry") {
  text = "",
  placeholder = _("style name"),
  editable = true,
  tooltip = _("name for the style \"summarize selected pair\" makes and \"export preset\" writes"),
}
iea.widgets.swap = dt.new_widget("check_button") {
  label = _("swap original and edited"),
  value = false,
  tooltip = _("the first image you selected is the original; tick to use the other order"),
}
iea.widgets.status = dt.new_widget("text_view") {
  text = _("select images and describe the change"),
  editable = false,
  tooltip = _("iea's reasoning and the values it chose"),
}

local function button(label, tooltip, action)
  return dt.new_widget("button") {
    label = label,
    tooltip = tooltip,
    clicked_callback = function() action() end,
  }
end

iea.widgets.box = dt.new_widget("box") {
  orientation = "vertical",
  iea.widgets.instruction,
  button(_("edit"), _("ask iea for an edit of each selected image"), iea.actions.edit),
  button(_("refine"), _("adjust each image's last iea edit with the text above as feedback"),
         iea.actions.refine),
  dt.new_widget("section_label") { label = _("styles") },
  button(_("summarize selected pair"),
         _("turn an original (the image selected first) and its edited version into a style"),
         iea.actions.summarize),
  iea.widgets.swap,
  button(_("apply style"), _("apply the summarized style to the selected images"),
         iea.actions.apply_style),
  iea.widgets.name,
  button(_("export preset"), _("save the style as a darktable style (.dtstyle)"),
         iea.actions.export_preset),
  button(_("learn style from selected"), _("learn a style from your own edits of the selected "
         .. "images (at least 5); named as typed above"), iea.actions.learn_style),
  button(_("review learned style"), _("show the values the learned style gives each selected "
         .. "image, without changing anything"), iea.actions.review_learned),
  button(_("apply reviewed"), _("apply the reviewed values to their images"),
         iea.actions.apply_reviewed),
  iea.widgets.status,
}

local function install_module()
  if not iea.module_installed then
    dt.register_lib(
      MODULE,
      _("iea"),
      true,  -- expandable
      false, -- resetable
      { [dt.gui.views.lighttable] = { "DT_UI_CONTAINER_PANEL_RIGHT_CENTER", 100 } },
      iea.widgets.box,
      nil,
      nil
    )
    iea.module_installed = true
  end
end

local function destroy()
  dt.gui.libs[MODULE].visible = false
  if iea.event_registered then
    dt.destroy_event(MODULE, "view-changed")
    iea.event_registered = false
  end
  pcall(dt.destroy_event, MODULE, "selection-changed")
end

local function restart()
  dt.gui.libs[MODULE].visible = true
end

check_client_once()

-- Views are compared by id: view.name is translated ("Leuchttisch" in a German UI).
if dt.gui.current_view().id == "lighttable" then
  install_module()
else
  dt.register_event(MODULE, "view-changed", function(event, old_view, new_view)
    if new_view.id == "lighttable" then
      install_module()
    end
  end)
  iea.event_registered = true
end

-- darktable versions without this event still get the order darktable keeps the selection in
pcall(dt.register_event, MODULE, "selection-changed", function() track_selection() end)

script_data.destroy = destroy
script_data.restart = restart
script_data.destroy_method = "hide"
script_data.show = restart

-- for tests and other scripts: the same functions the buttons call, and the widgets
script_data.actions = iea.actions
script_data.widgets = iea.widgets

return script_data
