--[[----------------------------------------------------------------------------
IeaSettings.lua: checks everything the bridge sends before Lightroom sees it.

The bridge is trusted to be iea, but not to be right: a reply whose develop settings name a key
Lightroom does not know, carry a table where a number belongs, or push a slider past its range is
refused whole, with a message naming the first problem. Nothing is clamped silently, because a
clamped edit is not the edit the agent explained.

Only Camera Raw settings iea writes are allowed (an allow-list, not a pattern): each has a type
and the range Lightroom accepts.
------------------------------------------------------------------------------]]

local IeaJson = require 'IeaJson'

local IeaSettings = {}

-- crs key -> { minimum, maximum } for numeric sliders; "curve" for tone-curve point lists.
local NUMERIC = {
  Exposure2012 = { -5, 5 },
  Contrast2012 = { -100, 100 },
  Highlights2012 = { -100, 100 },
  Shadows2012 = { -100, 100 },
  Whites2012 = { -100, 100 },
  Blacks2012 = { -100, 100 },
  Clarity2012 = { -100, 100 },
  Texture = { -100, 100 },
  Dehaze = { -100, 100 },
  Vibrance = { -100, 100 },
  Saturation = { -100, 100 },
  Temperature = { 2000, 50000 },
  Tint = { -150, 150 },
  IncrementalTemperature = { -100, 100 },
  IncrementalTint = { -100, 100 },
  Sharpness = { 0, 150 },
  SharpenRadius = { 0.5, 3 },
  SharpenDetail = { 0, 100 },
  SharpenEdgeMasking = { 0, 100 },
  PostCropVignetteAmount = { -100, 100 },
  PostCropVignetteMidpoint = { 0, 100 },
  PostCropVignetteFeather = { 0, 100 },
  PostCropVignetteRoundness = { -100, 100 },
  PostCropVignetteStyle = { 1, 3 },
  PostCropVignetteHighlightContrast = { 0, 100 },
  GrainAmount = { 0, 100 },
  GrainSize = { 0, 100 },
  GrainFrequency = { 0, 100 },
  ParametricShadows = { -100, 100 },
  ParametricDarks = { -100, 100 },
  ParametricLights = { -100, 100 },
  ParametricHighlights = { -100, 100 },
  ParametricShadowSplit = { 10, 70 },
  ParametricMidtoneSplit = { 20, 80 },
  ParametricHighlightSplit = { 30, 90 },
}

local CURVES = {
  ToneCurvePV2012 = true,
  ToneCurvePV2012Red = true,
  ToneCurvePV2012Green = true,
  ToneCurvePV2012Blue = true,
}

-- Bookkeeping keys of the XMP form: accepted in a reply, never passed to applyDevelopSettings
-- (Lightroom sets them itself; changing the process version would re-render the photo).
local IGNORED = { HasSettings = true, ProcessVersion = true, Version = true }

local MAX_CURVE_POINTS = 32

IeaSettings.TOOLS = {
  "exposure", "brightness", "contrast", "natural_contrast", "highlights", "shadows", "whites",
  "blacks", "saturation", "vibrance", "temperature", "tint", "sharpness", "vignette", "fade",
  "grain",
}
local TOOL_SET = {}
for _, name in ipairs(IeaSettings.TOOLS) do TOOL_SET[name] = true end

local function is_finite_number(v)
  return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
end

local function describe(v)
  if type(v) == "string" then
    return string.format("the text %q", string.sub(v, 1, 40))
  elseif v == IeaJson.null then
    return "null"
  elseif v == nil then
    return "missing"
  elseif type(v) == "number" then
    return tostring(v)
  elseif IeaJson.is_array(v) then
    return "a list"
  end
  return "a " .. type(v)
end

local function key_name(k)
  return string.format("%q", string.sub(tostring(k), 1, 40))
end

-- A curve arrives as a flat list {x1, y1, x2, y2, ...} (what applyDevelopSettings takes) or as
-- the XMP form {"x, y", ...}. Returns the flat list of numbers 0..255, or nil and a problem.
local function check_curve(key, value)
  if type(value) ~= "table" then
    return nil, key .. " must be a list of points, not " .. describe(value)
  end
  local count = 0
  for k in pairs(value) do
    if type(k) ~= "number" then
      return nil, key .. " must be a list of points"
    end
    count = count + 1
  end
  if count == 0 or count ~= #value then
    return nil, key .. " must be a non-empty list of points"
  end
  local flat = {}
  for _, item in ipairs(value) do
    if type(item) == "string" then
      local x, y = string.match(item, "^%s*(%d+)%s*,%s*(%d+)%s*$")
      if not x then
        return nil, key .. " has a point that is not \"x, y\": " .. describe(item)
      end
      flat[#flat + 1] = tonumber(x)
      flat[#flat + 1] = tonumber(y)
    elseif is_finite_number(item) then
      flat[#flat + 1] = item
    else
      return nil, key .. " has a point that is " .. describe(item)
    end
  end
  if #flat % 2 ~= 0 or #flat < 4 or #flat > 2 * MAX_CURVE_POINTS then
    return nil, key .. " needs between 2 and " .. MAX_CURVE_POINTS .. " (x, y) points"
  end
  for _, v in ipairs(flat) do
    if v < 0 or v > 255 then
      return nil, key .. " has a coordinate outside 0..255"
    end
  end
  return flat
end

-- Validate develop settings from a reply. Returns a fresh table to pass to
-- photo:applyDevelopSettings, or nil and a message naming the first problem.
function IeaSettings.develop_settings(settings)
  if type(settings) ~= "table" or IeaJson.is_array(settings) then
    return nil, "the develop settings are " .. describe(settings) .. ", not a table of named settings"
  end
  local clean, count = {}, 0 -- an empty table is a valid answer: "leave the photo as it is"
  for key, value in pairs(settings) do
    if type(key) ~= "string" or not string.find(key, "^[A-Za-z0-9]+$") then
      return nil, "the reply names a setting " .. key_name(key) .. ", which is not a Lightroom setting"
    end
    local range = NUMERIC[key]
    if range then
      if not is_finite_number(value) then
        return nil, key .. " must be a number, not " .. describe(value)
      end
      if value < range[1] or value > range[2] then
        return nil, string.format("%s = %s is outside %s..%s", key, tostring(value), range[1], range[2])
      end
      clean[key] = value
      count = count + 1
    elseif CURVES[key] then
      local curve, problem = check_curve(key, value)
      if not curve then
        return nil, problem
      end
      clean[key] = curve
      count = count + 1
    elseif IGNORED[key] then
      if type(value) ~= "string" and type(value) ~= "boolean" and not is_finite_number(value) then
        return nil, key .. " must be a plain value, not " .. describe(value)
      end
    else
      return nil, "the reply names a setting " .. key_name(key) .. ", which iea does not write"
    end
  end
  return clean, count
end

-- Validate an iea program {tool = integer -100..100}. Returns a fresh table or nil, problem.
function IeaSettings.program(program)
  if type(program) ~= "table" or IeaJson.is_array(program) then
    return nil, "the program is " .. describe(program) .. ", not a table of tools"
  end
  -- The canonical file form nests the values under "tools".
  if program.format == "iea.program" and type(program.tools) == "table" then
    program = program.tools
  end
  local clean = {}
  for tool, value in pairs(program) do
    if type(tool) ~= "string" or not TOOL_SET[tool] then
      return nil, "the program names an unknown tool " .. key_name(tool)
    end
    if not is_finite_number(value) or value ~= math.floor(value) then
      return nil, "the program's " .. tool .. " must be a whole number, not " .. describe(value)
    end
    if value < -100 or value > 100 then
      return nil, "the program's " .. tool .. " = " .. tostring(value) .. " is outside -100..100"
    end
    if value ~= 0 then
      clean[tool] = value
    end
  end
  return clean
end

-- A bounded piece of text for display, or the fallback when the reply holds no text there.
function IeaSettings.text(value, fallback, limit)
  if type(value) ~= "string" then
    return fallback or ""
  end
  limit = limit or 4000
  if #value > limit then
    return string.sub(value, 1, limit) .. "…"
  end
  return value
end

-- "exposure +20, contrast -10" in the paper's tool order.
function IeaSettings.program_summary(program)
  local parts = {}
  for _, tool in ipairs(IeaSettings.TOOLS) do
    local v = program[tool]
    if v and v ~= 0 then
      parts[#parts + 1] = string.format("%s %s%d", tool, v > 0 and "+" or "", v)
    end
  end
  if #parts == 0 then
    return "no change"
  end
  return table.concat(parts, ", ")
end

-- Check an edit/refine result. Returns { program, reasoning, explanations, settings } or nil,
-- problem. host_settings is required: it is what gets applied.
function IeaSettings.edit_result(result)
  if type(result) ~= "table" then
    return nil, "the reply holds no result"
  end
  local program, problem = IeaSettings.program(result.program)
  if not program then
    return nil, problem
  end
  local settings
  settings, problem = IeaSettings.develop_settings(result.host_settings)
  if not settings then
    return nil, problem
  end
  local change_lines, notes = IeaSettings.change_lines(result.changes), {}
  if type(result.notes) == "table" then
    for _, note in ipairs(result.notes) do
      if type(note) == "string" and #notes < 20 then notes[#notes + 1] = IeaSettings.text(note, "", 300) end
    end
  end
  local explanations = {}
  if type(result.explanations) == "table" then
    for tool, sentence in pairs(result.explanations) do
      if TOOL_SET[tool] and type(sentence) == "string" then
        explanations[tool] = IeaSettings.text(sentence, "", 400)
      end
    end
  end
  return {
    program = program,
    reasoning = IeaSettings.text(result.reasoning, ""),
    explanations = explanations,
    settings = settings,
    change_lines = change_lines,
    notes = notes,
    plan = IeaSettings.plan_lines(result.plan),
  }
end

local function show_value(v, key)
  if type(v) == "number" then
    if key == "Exposure2012" then return string.format(v >= 0 and "+%.2f" or "%.2f", v) end
    if v == math.floor(v) then return string.format(v > 0 and math.abs(v) < 1000 and "+%d" or "%d", v) end
    return string.format(v > 0 and "+%.2f" or "%.2f", v)
  elseif type(v) == "string" or type(v) == "boolean" then
    return IeaSettings.text(tostring(v), "", 40)
  elseif type(v) == "table" then
    return "curve"
  end
  return "-"
end

-- "Exposure2012 +0.50 -> +0.70" for each {key, before, after} of a reply's `changes`
-- (display only: what is applied is host_settings, checked above).
function IeaSettings.change_lines(changes)
  local lines = {}
  if type(changes) ~= "table" then return lines end
  for _, change in ipairs(changes) do
    if type(change) == "table" and type(change.key) == "string"
        and string.find(change.key, "^[A-Za-z0-9]+$") and #lines < 64 then
      lines[#lines + 1] = change.key .. " " .. show_value(change.before, change.key) .. " -> " .. show_value(change.after, change.key)
    end
  end
  return lines
end

-- The plan of a mood request ("a cold winter morning") as lines for the review dialog: each
-- step with pass/fail and the value iea measured on its render, then conflicts and notes.
-- nil when the request was not planned. Every field is checked: the reply is data, not code.
function IeaSettings.plan_lines(plan)
  if type(plan) ~= "table" or type(plan.verdicts) ~= "table" then
    return nil
  end
  local lines = {}
  local names = {}
  for _, look in ipairs(type(plan.looks) == "table" and plan.looks or {}) do
    if type(look) == "table" and type(look.name) == "string" then
      names[#names + 1] = IeaSettings.text(look.name, "", 80)
    end
  end
  if #names > 0 then
    lines[#lines + 1] = "Planned as: " .. table.concat(names, " + ")
  end
  for i, verdict in ipairs(plan.verdicts) do
    if type(verdict) == "table" and #lines < 40 then
      local measured = ""
      if type(verdict.measured) == "number" and type(verdict.before) == "number" then
        measured = string.format(" (%.3g -> %.3g)", verdict.before, verdict.measured)
      end
      lines[#lines + 1] = string.format("%d. [%s] %s%s", i, verdict.passed == true and "pass"
        or "FAIL", IeaSettings.text(verdict.target, "", 200), measured)
    end
  end
  for _, conflict in ipairs(type(plan.conflicts) == "table" and plan.conflicts or {}) do
    if type(conflict) == "table" and type(conflict.message) == "string" and #lines < 50 then
      lines[#lines + 1] = IeaSettings.text(conflict.message, "", 400)
    end
  end
  for _, note in ipairs(type(plan.notes) == "table" and plan.notes or {}) do
    if type(note) == "string" and #lines < 60 then
      lines[#lines + 1] = "Note: " .. IeaSettings.text(note, "", 400)
    end
  end
  return lines
end

return IeaSettings
