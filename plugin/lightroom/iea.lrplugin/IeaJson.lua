--[[----------------------------------------------------------------------------
IeaJson.lua: a small JSON reader and writer that only ever produces data.

Why not load() the reply, or a JSON library that does? Because the reply comes from another
process, and a plugin that executes what it receives runs whatever a compromised or buggy agent
sends (JarvisArt's loadfile() of generated presets is the cautionary tale). This reader walks the
text character by character and builds plain tables, strings, numbers and booleans; nothing in it
can call a function. It also refuses what a sane bridge never sends: text over 8 MiB, nesting
deeper than 64, duplicate keys, numbers that overflow to infinity, trailing garbage.

Portable Lua 5.1 .. 5.4: the same file runs in Lightroom Classic (5.1) and, copied by
`iea plugin install darktable`, in darktable (5.4).

  local IeaJson = require 'IeaJson'
  local value, err = IeaJson.decode(text)   -- value or nil, "invalid JSON at byte 12: ..."
  local text = IeaJson.encode({ image = "/tmp/a.jpg", history = IeaJson.array({}) })
------------------------------------------------------------------------------]]

local IeaJson = {}

IeaJson.MAX_LENGTH = 8 * 1024 * 1024
IeaJson.MAX_DEPTH = 64

-- JSON null, kept distinct from a missing key so validators can tell "null" from "absent".
IeaJson.null = setmetatable({}, { __tostring = function() return "null" end, __metatable = false })

local array_marker = { __iea_json_array = true }

-- Mark a table so that encode() writes it as an array even when it is empty.
function IeaJson.array(t)
  return setmetatable(t or {}, array_marker)
end

local byte, sub, find, char, format = string.byte, string.sub, string.find, string.char, string.format
local floor, huge = math.floor, math.huge

-- ---------------------------------------------------------------------------------- decoding --

local function fail(pos, what)
  error({ iea_json = true, message = format("invalid JSON at byte %d: %s", pos, what) }, 0)
end

local function skip_space(s, pos)
  local _, last = find(s, "^[ \t\r\n]*", pos)
  return last + 1
end

local function utf8_char(code)
  if code < 0x80 then
    return char(code)
  elseif code < 0x800 then
    return char(0xC0 + floor(code / 0x40), 0x80 + code % 0x40)
  elseif code < 0x10000 then
    return char(0xE0 + floor(code / 0x1000), 0x80 + floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
  end
  return char(0xF0 + floor(code / 0x40000), 0x80 + floor(code / 0x1000) % 0x40,
              0x80 + floor(code / 0x40) % 0x40, 0x80 + code % 0x40)
end

local simple_escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f",
                         n = "\n", r = "\r", t = "\t" }

local function read_hex4(s, pos)
  local hex = sub(s, pos, pos + 3)
  if not find(hex, "^%x%x%x%x$") then
    fail(pos, "\\u needs four hex digits")
  end
  return tonumber(hex, 16)
end

local function parse_string(s, pos)
  -- pos is at the opening quote
  local parts, n = {}, 0
  local i = pos + 1
  while true do
    local stop = find(s, '[%c"\\]', i)
    if not stop then
      fail(pos, "unterminated string")
    end
    local c = sub(s, stop, stop)
    if c == "\127" then -- DEL is a control character for Lua but allowed raw in JSON
      n = n + 1; parts[n] = sub(s, i, stop)
      i = stop + 1
    else
      n = n + 1; parts[n] = sub(s, i, stop - 1)
      if c == '"' then
        return table.concat(parts), stop + 1
      elseif c == "\\" then
        local e = sub(s, stop + 1, stop + 1)
        if simple_escapes[e] then
          n = n + 1; parts[n] = simple_escapes[e]
          i = stop + 2
        elseif e == "u" then
          local code = read_hex4(s, stop + 2)
          i = stop + 6
          if code >= 0xD800 and code <= 0xDBFF then
            if sub(s, i, i + 1) ~= "\\u" then
              fail(stop, "lone UTF-16 surrogate")
            end
            local low = read_hex4(s, i + 2)
            if low < 0xDC00 or low > 0xDFFF then
              fail(stop, "invalid UTF-16 surrogate pair")
            end
            code = 0x10000 + (code - 0xD800) * 0x400 + (low - 0xDC00)
            i = i + 6
          elseif code >= 0xDC00 and code <= 0xDFFF then
            fail(stop, "lone UTF-16 surrogate")
          end
          n = n + 1; parts[n] = utf8_char(code)
        else
          fail(stop, "unknown escape \\" .. e)
        end
      else
        fail(stop, "control character in string")
      end
    end
  end
end

local function parse_number(s, pos)
  local i = pos
  if sub(s, i, i) == "-" then i = i + 1 end
  local c = sub(s, i, i)
  if c == "0" then
    i = i + 1
  elseif find(c, "^%d$") then
    local _, last = find(s, "^%d+", i)
    i = last + 1
  else
    fail(pos, "malformed number")
  end
  if sub(s, i, i) == "." then
    local _, last = find(s, "^%d+", i + 1)
    if not last then fail(i, "digits must follow the decimal point") end
    i = last + 1
  end
  c = sub(s, i, i)
  if c == "e" or c == "E" then
    i = i + 1
    c = sub(s, i, i)
    if c == "+" or c == "-" then i = i + 1 end
    local _, last = find(s, "^%d+", i)
    if not last then fail(i, "malformed exponent") end
    i = last + 1
  end
  local text = sub(s, pos, i - 1)
  if #text > 40 then
    fail(pos, "number has too many digits")
  end
  local value = tonumber(text)
  if value == nil or value ~= value or value == huge or value == -huge then
    fail(pos, "number out of range")
  end
  return value, i
end

local parse_value -- forward declaration

local function parse_array(s, pos, depth)
  local out, n = {}, 0
  local i = skip_space(s, pos + 1)
  if sub(s, i, i) == "]" then
    return setmetatable(out, array_marker), i + 1
  end
  while true do
    local value
    value, i = parse_value(s, i, depth)
    n = n + 1
    out[n] = value
    i = skip_space(s, i)
    local c = sub(s, i, i)
    if c == "]" then
      return setmetatable(out, array_marker), i + 1
    elseif c ~= "," then
      fail(i, "expected ',' or ']' in array")
    end
    i = skip_space(s, i + 1)
  end
end

local function parse_object(s, pos, depth)
  local out = {}
  local i = skip_space(s, pos + 1)
  if sub(s, i, i) == "}" then
    return out, i + 1
  end
  while true do
    if sub(s, i, i) ~= '"' then
      fail(i, "object keys must be strings")
    end
    local key
    key, i = parse_string(s, i)
    if out[key] ~= nil then
      fail(i, "duplicate key " .. format("%q", key))
    end
    i = skip_space(s, i)
    if sub(s, i, i) ~= ":" then
      fail(i, "expected ':' after object key")
    end
    local value
    value, i = parse_value(s, skip_space(s, i + 1), depth)
    out[key] = value
    i = skip_space(s, i)
    local c = sub(s, i, i)
    if c == "}" then
      return out, i + 1
    elseif c ~= "," then
      fail(i, "expected ',' or '}' in object")
    end
    i = skip_space(s, i + 1)
  end
end

local literals = { t = { "true", true }, f = { "false", false }, n = { "null", IeaJson.null } }

parse_value = function(s, pos, depth)
  local c = sub(s, pos, pos)
  if c == "{" or c == "[" then
    if depth >= IeaJson.MAX_DEPTH then
      fail(pos, "nested deeper than " .. IeaJson.MAX_DEPTH)
    end
    if c == "{" then
      return parse_object(s, pos, depth + 1)
    end
    return parse_array(s, pos, depth + 1)
  elseif c == '"' then
    return parse_string(s, pos)
  elseif c == "-" or find(c, "^%d$") then
    return parse_number(s, pos)
  end
  local literal = literals[c]
  if literal and sub(s, pos, pos + #literal[1] - 1) == literal[1] then
    return literal[2], pos + #literal[1]
  end
  if c == "" then
    fail(pos, "unexpected end of text")
  end
  fail(pos, "unexpected character " .. format("%q", c))
end

-- Decode JSON text into plain Lua data. Returns value, or nil and a message saying what is wrong.
function IeaJson.decode(text)
  if type(text) ~= "string" then
    return nil, "invalid JSON: expected text, got " .. type(text)
  end
  if #text > IeaJson.MAX_LENGTH then
    return nil, format("invalid JSON: %d bytes is more than the %d allowed", #text, IeaJson.MAX_LENGTH)
  end
  if sub(text, 1, 3) == "\239\187\191" then -- UTF-8 byte order mark
    text = sub(text, 4)
  end
  local ok, value, pos = pcall(function()
    local v, p = parse_value(text, skip_space(text, 1), 0)
    return v, skip_space(text, p)
  end)
  if not ok then
    if type(value) == "table" and value.iea_json then
      return nil, value.message
    end
    return nil, "invalid JSON: " .. tostring(value)
  end
  if pos <= #text then
    return nil, format("invalid JSON at byte %d: unexpected text after the value", pos)
  end
  return value
end

function IeaJson.is_array(t)
  return type(t) == "table" and getmetatable(t) == array_marker
end

-- ---------------------------------------------------------------------------------- encoding --

local escapes = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f",
                  ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function encode_string(s)
  return '"' .. string.gsub(s, '[%c"\\]', function(c)
    return escapes[c] or format("\\u%04x", byte(c))
  end) .. '"'
end

local encode_value

local function sequence_length(t)
  local n = 0
  for k in pairs(t) do
    if type(k) ~= "number" or k < 1 or k ~= floor(k) then
      return nil
    end
    if k > n then n = k end
  end
  return n
end

local function encode_table(t, depth, seen)
  if seen[t] then
    error("cannot encode a table that contains itself", 0)
  end
  if depth > IeaJson.MAX_DEPTH then
    error("cannot encode data nested deeper than " .. IeaJson.MAX_DEPTH, 0)
  end
  seen[t] = true
  local parts = {}
  local n = sequence_length(t)
  if n and (n > 0 or getmetatable(t) == array_marker) then
    for i = 1, n do
      parts[i] = encode_value(t[i], depth + 1, seen)
    end
    seen[t] = nil
    return "[" .. table.concat(parts, ",") .. "]"
  end
  local keys = {}
  for k in pairs(t) do
    if type(k) ~= "string" then
      error("cannot encode a table with a " .. type(k) .. " key", 0)
    end
    keys[#keys + 1] = k
  end
  table.sort(keys)
  for i, k in ipairs(keys) do
    parts[i] = encode_string(k) .. ":" .. encode_value(t[k], depth + 1, seen)
  end
  seen[t] = nil
  return "{" .. table.concat(parts, ",") .. "}"
end

encode_value = function(v, depth, seen)
  local kind = type(v)
  if v == nil or v == IeaJson.null then
    return "null"
  elseif kind == "boolean" then
    return v and "true" or "false"
  elseif kind == "number" then
    if v ~= v or v == huge or v == -huge then
      error("cannot encode a number that is not finite", 0)
    end
    if v == floor(v) and v > -2 ^ 53 and v < 2 ^ 53 then
      return format("%d", v)
    end
    return format("%.17g", v)
  elseif kind == "string" then
    return encode_string(v)
  elseif kind == "table" then
    return encode_table(v, depth, seen)
  end
  error("cannot encode a " .. kind, 0)
end

-- Encode plain data as compact JSON (object keys sorted). Returns text, or nil and a message.
function IeaJson.encode(value)
  local ok, text = pcall(encode_value, value, 0, {})
  if not ok then
    return nil, tostring(text)
  end
  return text
end

return IeaJson
