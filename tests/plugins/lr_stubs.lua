--[[ Stand-ins for the Lightroom SDK modules the iea plug-in imports, recording every call.

Loaded by tests/plugins/lightroom_harness.py into a Lua 5.1 runtime. The recording table R is
returned; the harness reads R.calls and sets R.targets, R.dialog_script and R.execute. Stubs are
synchronous: startAsyncTask runs its function at once, a thumbnail request answers immediately.
]]

local R = {
  calls = {},          -- every recorded call, in order: { kind = "...", ... }
  targets = {},        -- photos catalog:getTargetPhotos() returns
  dialog_script = {},  -- answers for presentModalDialog, in order: { button=, values= }
  prefs = {},
  in_write = false,
  cancel_after = nil,  -- LrProgressScope:isCanceled() turns true after this many checks
  temp_dir = "/tmp",
  app_data = "/tmp/Adobe/Lightroom",
  thumbnail = "\255\216\255\224 fake jpeg bytes \255\217",
  execute = nil,       -- function(command) -> exit code (set by the harness)
}

local function record(entry)
  R.calls[#R.calls + 1] = entry
  return entry
end

local function copy(t)
  if type(t) ~= "table" then return t end
  local out = {}
  for k, v in pairs(t) do out[k] = copy(v) end
  return out
end

-- ------------------------------------------------------------------------------------ photos --
function R.new_photo(id, name, format)
  local photo = { localIdentifier = id, _name = name, _format = format or "JPG" }
  function photo:getFormattedMetadata(key)
    if key == "fileName" then return self._name end
    return nil
  end
  function photo:getRawMetadata(key)
    if key == "fileFormat" then return self._format end
    if key == "path" then return "/photos/" .. self._name end
    return nil
  end
  function photo:requestJpegThumbnail(width, height, callback)
    record { kind = "thumbnail", photo = self.localIdentifier, width = width, height = height }
    callback(R.thumbnail, nil)
    return {}
  end
  function photo:getDevelopSettings()
    return copy((R.develop or {})[self.localIdentifier] or {})
  end
  function photo:applyDevelopSettings(settings, history_name)
    record { kind = "apply", photo = self.localIdentifier, settings = copy(settings),
             in_write = R.in_write, write_label = R.write_label, history_name = history_name }
    -- as in Lightroom, the photo's settings are what was applied from now on
    R.develop = R.develop or {}
    local current = R.develop[self.localIdentifier] or {}
    for k, v in pairs(settings) do current[k] = copy(v) end
    -- Lightroom names a white balance set by value "Custom"
    if settings.Temperature ~= nil or settings.Tint ~= nil then current.WhiteBalance = "Custom" end
    R.develop[self.localIdentifier] = current
  end
  return photo
end

-- ---------------------------------------------------------------------------------- catalog --
local catalog = {}
function catalog:getTargetPhotos()
  return R.targets
end
function catalog:withWriteAccessDo(label, fn, options)
  if R.in_write then error("nested withWriteAccessDo") end
  record { kind = "write_begin", label = label }
  R.in_write, R.write_label = true, label
  local ok, err = pcall(fn, {})
  R.in_write, R.write_label = false, nil
  record { kind = "write_end", label = label }
  if not ok then error(err, 0) end
  return "executed"
end

local LrApplication = { activeCatalog = function() return catalog end }

-- ---------------------------------------------------------------------------------- dialogs --
local function find_bound(node, found)
  if type(node) ~= "table" then return found end
  if type(node.bind_to_object) == "table" then found[#found + 1] = node.bind_to_object end
  for _, child in pairs(node) do
    if type(child) == "table" and child ~= node.bind_to_object then find_bound(child, found) end
  end
  return found
end

local function texts(node, out)
  if type(node) ~= "table" then return out end
  if type(node.title) == "string" then out[#out + 1] = node.title end
  for k, child in pairs(node) do
    if type(child) == "table" and k ~= "bind_to_object" then texts(child, out) end
  end
  return out
end

local LrDialogs = {}
function LrDialogs.presentModalDialog(args)
  local step = table.remove(R.dialog_script, 1) or { button = "ok" }
  for _, props in ipairs(find_bound(args.contents, {})) do
    for k, v in pairs(step.values or {}) do props[k] = v end
  end
  record { kind = "dialog", title = args.title, verb = args.actionVerb,
           text = table.concat(texts(args.contents, {}), "\n"), button = step.button }
  return step.button
end
function LrDialogs.message(title, message, kind)
  record { kind = "message", title = title, message = message, level = kind }
end

-- ------------------------------------------------------------------------------------- tasks --
local LrTasks = {}
function LrTasks.startAsyncTask(fn) fn() end
LrTasks.pcall = pcall
function LrTasks.sleep() end
function LrTasks.execute(command)
  record { kind = "execute", command = command }
  return R.execute(command)
end

local LrFunctionContext = {}
function LrFunctionContext.callWithContext(_, fn, ...)
  return fn({}, ...)
end

local LrPathUtils = {}
function LrPathUtils.child(dir, name) return dir .. "/" .. name end
function LrPathUtils.parent(path) return (string.gsub(path, "/[^/]*$", "")) end
function LrPathUtils.getStandardFilePath(kind)
  if kind == "temp" then return R.temp_dir end
  if kind == "appData" then return R.app_data end
  error("unexpected standard path " .. tostring(kind))
end

local LrFileUtils = {}
function LrFileUtils.exists(path)
  local handle = io.open(path, "rb")
  if handle then handle:close(); return "file" end
  return false
end
function LrFileUtils.delete(path) return os.remove(path) ~= nil end

local LrPrefs = { prefsForPlugin = function() return R.prefs end }

local LrProgressScope = setmetatable({}, { __call = function(_, args)
  local scope = { checks = 0 }
  record { kind = "progress", title = args.title }
  function scope:isCanceled()
    self.checks = self.checks + 1
    return R.cancel_after ~= nil and self.checks > R.cancel_after
  end
  function scope:setCaption(text) record { kind = "caption", text = text } end
  function scope:setPortionComplete(done, total) record { kind = "portion", done = done, total = total } end
  function scope:done() record { kind = "progress_done" } end
  return scope
end })

local LrView = {}
function LrView.bind(key) return { bind = key } end
function LrView.osFactory()
  return setmetatable({}, { __index = function(_, widget)
    return function(_, args) return { widget = widget, args = args } end
  end })
end

local LrBinding = {}
function LrBinding.makePropertyTable()
  local props = {}
  function props.addObserver() end
  return props
end

R.modules = {
  LrApplication = LrApplication, LrBinding = LrBinding, LrDialogs = LrDialogs,
  LrFileUtils = LrFileUtils, LrFunctionContext = LrFunctionContext, LrPathUtils = LrPathUtils,
  LrPrefs = LrPrefs, LrProgressScope = LrProgressScope, LrTasks = LrTasks, LrView = LrView,
}

return R
