--[[----------------------------------------------------------------------------
IeaClient.lua: the plugin's only way to talk to iea.

Each call runs `iea client METHOD --json @REQUEST --out REPLY --timeout S` with LrTasks.execute
(which returns only the exit code, so the reply travels through a file) and reads back the reply
envelope {"v": 1, "ok": ..., "result"|"error": ...} with the data-only IeaJson reader. The
parameters travel in a file too: JSON full of quotes never has to survive sh or cmd.exe quoting,
and only two temp paths and the client path are ever put on a command line.

Exit codes of the client: 0 ok, 1 error reply, 3 no daemon could be reached or started.

Where the client lives: `iea plugin install lightroom` writes iea_config.json next to this file
({"client": "/absolute/path/to/iea"}); a path set in the plug-in's preferences wins.
------------------------------------------------------------------------------]]

local LrPathUtils = import 'LrPathUtils'
local LrFileUtils = import 'LrFileUtils'
local LrPrefs = import 'LrPrefs'
local LrTasks = import 'LrTasks'

local IeaJson = require 'IeaJson'

local IeaClient = {}

IeaClient.DEFAULT_TIMEOUT = 120 -- seconds; the first call may start the daemon and load a model
IeaClient.MAX_REPLY_BYTES = 8 * 1024 * 1024

local counter = 0

local function read_file(path, limit)
  local handle = io.open(path, "rb")
  if not handle then
    return nil
  end
  local text = handle:read(limit + 1)
  handle:close()
  if text and #text > limit then
    return nil, "too large"
  end
  return text or ""
end

-- The configuration written by the installer. Returns a table (possibly empty).
function IeaClient.config()
  local path = LrPathUtils.child(_PLUGIN.path, "iea_config.json")
  local text = read_file(path, 64 * 1024)
  if not text then
    return {}
  end
  local data = IeaJson.decode(text)
  if type(data) ~= "table" then
    return {}
  end
  return data
end

-- Absolute path of the `iea` executable, or nil when none is configured.
function IeaClient.client_path()
  local prefs = LrPrefs.prefsForPlugin()
  if type(prefs.clientPath) == "string" and prefs.clientPath ~= "" then
    return prefs.clientPath
  end
  local client = IeaClient.config().client
  if type(client) == "string" and client ~= "" then
    return client
  end
  return nil
end

function IeaClient.timeout()
  local prefs = LrPrefs.prefsForPlugin()
  local t = tonumber(prefs.timeout) or tonumber(IeaClient.config().timeout)
  if t and t >= 5 and t <= 3600 then
    return math.floor(t)
  end
  return IeaClient.DEFAULT_TIMEOUT
end

-- Quote one argument for the shell LrTasks.execute uses (sh on macOS, cmd.exe on Windows).
function IeaClient.quote(arg)
  arg = tostring(arg)
  if WIN_ENV then
    -- cmd.exe + the C runtime's argument parser: double quotes around, inner quotes as \",
    -- backslashes before a quote (or the closing one) doubled. Only file paths go through here
    -- (the parameters travel in a file), and Windows paths hold no quotes or percent signs
    -- that matter.
    arg = string.gsub(arg, '(\\*)"', function(slashes) return slashes .. slashes .. '\\"' end)
    arg = string.gsub(arg, "(\\+)$", "%1%1")
    return '"' .. arg .. '"'
  end
  return "'" .. string.gsub(arg, "'", "'\\''") .. "'"
end

local function temp_path(kind)
  counter = counter + 1
  local name = string.format("iea-%s-%d-%d-%d.json", kind, os.time(), math.random(1, 1000000000),
                             counter)
  return LrPathUtils.child(LrPathUtils.getStandardFilePath("temp"), name)
end

local function write_file(path, text)
  local handle = io.open(path, "wb")
  if not handle then
    return false
  end
  handle:write(text)
  handle:close()
  return true
end

local function remove(path)
  if LrFileUtils.exists(path) then
    LrFileUtils.delete(path)
  end
end

-- An error the user can act on: {code = "...", message = "..."}.
local function problem(code, message)
  return { code = code, message = message }
end

local FRIENDLY = {
  unavailable = "iea is not running and could not be started. Check that iea is installed "
    .. "(run `iea client health` in a terminal), then try again.",
  timeout = "iea did not answer in time. The photo may be very large or the computer busy; "
    .. "try again, or raise the timeout in the plug-in's settings.",
  busy = "iea is busy with other work. Try again in a moment.",
}

-- Turn the client's exit code and reply envelope into result or nil, problem.
function IeaClient.interpret(exit_code, text)
  if text == nil or text == "" then
    if exit_code == 3 then
      return nil, problem("unavailable", FRIENDLY.unavailable)
    end
    if exit_code == 126 or exit_code == 127 then
      return nil, problem("client_missing", "The iea client could not be run (exit code "
        .. tostring(exit_code) .. "). Run `iea plugin install lightroom` again, or set the "
        .. "client path in the plug-in's settings.")
    end
    return nil, problem("no_reply", "The iea client stopped without answering (exit code "
      .. tostring(exit_code) .. ").")
  end
  local envelope, err = IeaJson.decode(text)
  if not envelope then
    return nil, problem("protocol_error", "iea sent a reply the plug-in cannot read: " .. err)
  end
  if type(envelope) ~= "table" or envelope.v ~= 1 or type(envelope.ok) ~= "boolean" then
    return nil, problem("protocol_error", "iea sent a reply in an unknown format.")
  end
  if envelope.ok then
    if exit_code ~= 0 then
      return nil, problem("protocol_error", "iea reported success but exited with code "
        .. tostring(exit_code) .. ".")
    end
    if type(envelope.result) ~= "table" or IeaJson.is_array(envelope.result) then
      return nil, problem("protocol_error", "iea's reply holds no result.")
    end
    return envelope.result
  end
  local e = envelope.error
  local code = type(e) == "table" and type(e.code) == "string" and string.sub(e.code, 1, 64) or "error"
  local message = type(e) == "table" and type(e.message) == "string" and string.sub(e.message, 1, 1000) or ""
  if exit_code == 3 and code == "error" then
    code = "unavailable"
  end
  if FRIENDLY[code] then
    message = FRIENDLY[code] .. (message ~= "" and ("\n\n(" .. message .. ")") or "")
  elseif message == "" then
    message = "iea could not do this (" .. code .. ")."
  end
  return nil, problem(code, message)
end

-- Call METHOD with PARAMS (a Lua table). Returns the result table, or nil and {code, message}.
-- Must run inside an LrTasks task (LrTasks.execute yields).
function IeaClient.call(method, params, options)
  options = options or {}
  local client = IeaClient.client_path()
  if not client then
    return nil, problem("client_missing", "The plug-in does not know where iea is. Run "
      .. "`iea plugin install lightroom` in a terminal, or set the client path in the plug-in's "
      .. "settings (File > Plug-in Manager).")
  end
  if not string.find(method, "^[a-z_]+$") then
    return nil, problem("bad_method", "unknown iea method " .. tostring(method))
  end
  local json, err = IeaJson.encode(params or {})
  if not json then
    return nil, problem("bad_params", "cannot send this request: " .. err)
  end
  local timeout = options.timeout or IeaClient.timeout()
  local request, out = temp_path("request"), temp_path("reply")
  if not write_file(request, json) then
    return nil, problem("temp_folder", "cannot write a temporary file in " .. request .. ".")
  end
  local command = table.concat({
    IeaClient.quote(client), "client", method,
    "--json", IeaClient.quote("@" .. request),
    "--out", IeaClient.quote(out),
    "--timeout", tostring(timeout),
  }, " ")
  if WIN_ENV then
    command = '"' .. command .. '"' -- cmd /c strips one outer pair of quotes
  end
  local exit_code = LrTasks.execute(command)
  local text, read_problem = read_file(out, IeaClient.MAX_REPLY_BYTES)
  remove(request)
  remove(out)
  if read_problem then
    return nil, problem("protocol_error", "iea's reply is larger than the plug-in accepts.")
  end
  return IeaClient.interpret(exit_code, text)
end

return IeaClient
