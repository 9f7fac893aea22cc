"""Training-only wording (see :mod:`.synonyms` for the rules and the leak check).

Written for this project as extra training wording: amateur speech, photographers' jargon,
British spellings, similes, and the region verbs ("reduce the highlights"). Every entry passes
:func:`.synonyms.leaks` (no held-out word, phrasing or frame).
"""
from __future__ import annotations

EXTRA: dict[str, dict[str, tuple[str, ...]]] = {
    "bright": {
        "cmp": (
            "high key", "more high key", "more illuminated", "brighter looking", "lighter toned",
            "brighter all over", "lighter all round", "brighter throughout", "more daylit",
            "more lit up",
        ),
        "verb": (
            "bump up the exposure", "raise the exposure", "push the exposure up",
            "crank up the exposure", "add a stop of light", "turn up the brightness",
            "lift the exposure", "open it up a stop", "bring up the exposure",
            "give it another stop", "brighten up the scene",
        ),
        "adj": (
            "luminous", "blown", "overbright", "brightly lit", "well lit", "blinding",
            "light toned", "bright as day", "overexposed looking",
        ),
        "noun": (
            "ambient light", "illumination", "exposure value", "exposure setting", "light level",
            "glare", "overall exposure", "image brightness", "ev",
        ),
        "complaint": (
            "it's blinding", "my eyes hurt looking at it", "everything is bleached white",
            "i need sunglasses to look at it", "the faces are blown out",
            "it's overexposed by a stop", "the whole thing is blown to white",
            "there's light blasting everywhere", "the exposure is cranked",
        ),
    },
    "dark": {
        "cmp": (
            "darker looking", "duskier", "shadier", "more like night", "darker all over",
            "darker throughout", "more underexposed", "lower in exposure", "more twilit",
            "more night-like",
        ),
        "verb": (
            "drop the exposure", "lower the exposure", "take the exposure down a stop",
            "knock the exposure back", "turn down the brightness", "cut the brightness",
            "take a stop off", "stop it down", "dial down the exposure",
            "bring the brightness down", "darken the scene", "turn the lights down",
        ),
        "adj": (
            "lightless", "unlit", "dimly lit", "poorly lit", "pitch black", "dark as a cave",
            "dark as a dungeon", "underlit", "blackish",
        ),
        "noun": (
            "underexposure", "overall darkness", "blackness", "murk", "dusk", "shade", "dimming",
            "darkening", "lowlight",
        ),
        "complaint": (
            "it's like a dungeon", "everything is black", "it looks like it was shot at night",
            "i need a torch to see it", "it's pitch black", "you can't make out the faces",
            "it looks like someone turned the lights off", "the whole photo is in darkness",
            "it's all shadow", "it's a black hole", "i have to squint to see anything",
        ),
    },
    "warm": {
        "cmp": (
            "cozier", "more firelit", "more tungsten", "more sepia", "more candlelit",
            "more peachy", "more buttery", "more coppery", "more caramel", "more autumnal",
            "warmer hued",
        ),
        "verb": (
            "add some warmth", "bump the temp", "raise the temperature",
            "slide the temperature right", "move the white balance toward yellow",
            "heat the colors up", "give it an amber tint", "toast it up", "make it feel cozy",
            "warm the skin tones", "warm up the sky", "give it a tungsten feel",
        ),
        "adj": (
            "cozy", "cosy", "toasty", "coppery", "peachy", "jaundiced", "mustardy", "tangerine",
            "tungsten toned", "tea stained", "amber tinted", "nicotine yellow",
        ),
        "noun": (
            "temperature", "color temperature", "temp", "kelvin", "kelvin value", "gold tone",
            "golden tint", "tea tone", "yellow tint", "tungsten glow", "tungsten cast", "coziness",
        ),
        "complaint": (
            "everything looks like it was dipped in tea", "it looks nicotine stained",
            "the skin looks like an oompa loompa", "the walls look like mustard",
            "the whole thing glows orange", "it looks like a sodium streetlight",
            "it's like looking through a yellow filter", "the faces look jaundiced",
            "the snow looks yellow", "it looks like everything is lit by a campfire",
        ),
    },
    "cool": {
        "cmp": (
            "more blue tinted", "more wintry blue", "more moonlit", "more glacial", "more nordic",
            "more polar", "more wintery", "more frozen", "more snowy", "more icy blue",
            "more scandinavian",
        ),
        "verb": (
            "lower the temperature", "drop the temp", "slide the temperature left",
            "shift it toward blue", "add blue to it", "make it feel wintry", "give it an icy look",
            "cool off the colors", "frost it over", "bring the temp down", "cool the skin tones",
            "blue it up",
        ),
        "adj": (
            "frozen looking", "moonlit", "blue tinged", "frigid", "glacial", "arctic", "freezing",
            "ice cold", "blue tinted", "wintery", "polar",
        ),
        "noun": (
            "frostiness", "frost", "cool cast", "cold cast", "blue hue", "iciness",
            "cool white balance", "winter tone",
        ),
        "complaint": (
            "it looks like a morgue", "everyone looks frozen to death",
            "it looks like it was shot inside a fridge", "everything has a blue tint",
            "the faces look icy", "the snow looks blue", "the lips look blue",
            "it feels like an ice cave", "the whole photo is drenched in blue",
            "the faces look frostbitten",
        ),
    },
    "green": {
        "cmp": (
            "more khaki", "more greenish", "greener in tint", "more toward green", "more jade",
            "more sage", "more mossy", "more pea green", "more chartreuse", "more matrix-like",
        ),
        "verb": (
            "slide the tint left", "drag the tint to green", "add green to the tint",
            "shift the tint greenward", "green it up", "take the tint greener",
            "give it a minty tint", "push the tint slider left", "green the whites",
            "cast it green",
        ),
        "adj": (
            "sickly", "seasick", "olive toned", "khaki", "limey", "mossy", "swampy", "bilious",
            "pea green", "zombie green",
        ),
        "noun": (
            "green tinge", "green hue", "olive cast", "minty tint", "green shift", "khaki cast",
            "sickly tint", "green bias", "mint cast",
        ),
        "complaint": (
            "everyone looks seasick", "the faces look like zombies", "it looks like the matrix",
            "the skin looks sickly green", "it looks like swamp water", "everyone looks nauseous",
            "the whole photo has a green haze", "the whites look minty",
            "it looks like it was shot in a hospital corridor",
            "there's an olive cast over everything",
        ),
    },
    "magenta": {
        "cmp": (
            "more lilac", "purpler", "more rose", "more violet", "more raspberry",
            "more magenta toned", "more pinkish", "pinker in tint", "more toward magenta",
            "more berry", "more mauve",
        ),
        "verb": (
            "slide the tint right", "drag the tint to magenta", "push the tint to pink",
            "tint it magenta", "add magenta to it", "pink it up", "add a rose tint",
            "push the tint slider right", "give it a purple tint", "give it a rosy tint",
        ),
        "adj": (
            "purple tinted", "violet", "mauve", "lilac", "raspberry", "fuchsia", "rose tinted",
            "bubblegum", "barbie pink", "berry toned", "pinky", "lavender",
        ),
        "noun": (
            "rosiness", "fuchsia cast", "pink tinge", "rose tint", "magenta shift", "lilac tint",
            "purple hue", "pink hue", "magenta bias", "pinkish cast", "violet cast",
        ),
        "complaint": (
            "the skin looks bruised", "everyone looks like they're under a pink light",
            "it looks like a barbie movie",
            "it looks like it was shot through rose colored glasses",
            "the faces look flushed pink", "there's a pink haze over everything",
            "the snow looks pink", "everything has a purple tint", "the grey areas look lilac",
            "the greys have turned lavender",
        ),
    },
    "contrasty": {
        "cmp": (
            "harsher", "starker", "more hard-hitting", "more contrasted", "more chiaroscuro",
            "deeper in contrast", "more separated in tone", "stronger tonally",
            "more high contrast", "more punchy",
        ),
        "verb": (
            "bump the contrast", "up the contrast", "raise the contrast", "steepen the curve",
            "add an s-curve", "crank up the curves", "push the contrast", "increase the contrast",
            "separate the tones", "stretch the tones", "hit it with contrast",
        ),
        "adj": (
            "bold in contrast", "snappy", "contrasted", "overcontrasted", "chiaroscuro", "graphic",
            "harsh toned", "hard lit", "brutal",
        ),
        "noun": (
            "contrast ratio", "s-curve", "global contrast", "hardness", "curve steepness",
            "contrast curve", "separation",
        ),
        "complaint": (
            "the contrast is brutal", "the tones are all clipped", "it looks like a xerox",
            "there are no midtones", "the midtones are gone", "it looks like a harsh flash shot",
            "it looks like a woodcut", "the contrast is cranked",
        ),
    },
    "flat": {
        "cmp": (
            "lower contrast", "more even in tone", "more log-like", "calmer in tone",
            "more compressed", "more mellow", "more ungraded looking", "softer toned",
            "flatter looking", "more low-con",
        ),
        "verb": (
            "drop the contrast", "lower the contrast", "cut the contrast",
            "turn down the contrast", "take the edge off the contrast", "give it a log look",
            "make it look like log footage", "flatten the curve", "mellow the tones",
            "squash the contrast", "knock back the contrast",
        ),
        "adj": (
            "lacking snap", "tonally flat", "flat looking", "flat as a pancake", "low-con",
            "log-like", "uncontrasted", "lacking punch", "even toned", "soupy",
        ),
        "noun": (
            "murkiness", "contrast reduction", "flat look", "log look", "flat tone",
            "low-con look",
        ),
        "complaint": (
            "it looks like a log file", "everything blends together", "nothing stands out",
            "it looks like dishwater", "there's no depth", "it looks like a raw file",
            "it looks like a photocopy of a photocopy", "it looks like ungraded footage",
            "it's all one tone", "it looks like mud",
        ),
    },
    "clarity": {
        "cmp": (
            "more rough-hewn", "more gritty", "more tactile", "more rugged", "more etched",
            "more tangible", "more dimensional", "more sculpted", "more defined in texture",
            "more micro-contrasty",
        ),
        "verb": (
            "dial in more clarity", "push the clarity", "crank the clarity",
            "bump the texture slider", "pull out the detail", "make the textures pop",
            "emphasize the textures", "boost the structure", "carve out the detail",
            "bring out the surface detail",
        ),
        "adj": (
            "rugged", "tactile", "etched", "dimensional", "sculpted", "overtextured", "leathery",
            "craggy",
        ),
        "noun": (
            "midtone contrast", "texture slider", "surface detail", "texture detail", "dimension",
            "micro contrast", "fine texture", "skin texture", "clarity slider", "tactility",
        ),
        "complaint": (
            "the skin looks like leather", "every pore is showing", "the wrinkles are exaggerated",
            "the faces look craggy", "the texture looks harsh", "the clarity is cranked",
            "the skin looks weathered", "the faces look aged", "every wrinkle stands out",
        ),
    },
    "soft": {
        "cmp": (
            "gauzier", "more velvety", "more airbrushed", "more porcelain", "more satiny",
            "more pillowy", "more cushioned", "more gauzy",
        ),
        "verb": (
            "smooth the faces", "smooth out the texture", "airbrush it", "lower the clarity",
            "take the clarity down", "add negative clarity", "add some haze",
            "give it a gauzy look", "put a soft filter on it", "add a diffusion filter",
            "smooth out the wrinkles", "iron out the skin texture",
        ),
        "adj": (
            "gauzy", "velvety", "cloud soft", "airbrushed", "waxy", "plasticky", "porcelain",
            "satiny", "dewy", "pillowy", "creamy",
        ),
        "noun": (
            "negative clarity", "gauziness", "skin smoothing", "bloom", "airbrushing", "gauze",
            "silkiness", "diffusion glow", "soft focus filter",
        ),
        "complaint": (
            "it looks airbrushed", "the faces look waxy", "it looks like a beauty filter",
            "the faces look like porcelain dolls", "there's no texture left",
            "it looks like vaseline on the lens", "it looks like it was shot through a stocking",
            "it looks like a wax museum",
        ),
    },
    "sharp": {
        "cmp": (
            "more razor-like", "more pin sharp", "crisper edged", "cleaner edged",
            "more tack sharp", "more acute", "more precise", "more finely focused",
            "sharper edged", "snappier in focus",
        ),
        "verb": (
            "add sharpness", "run an unsharp mask", "crank the sharpening", "bump the sharpening",
            "put an edge on it", "tighten up the details", "sharpen the eyes",
            "sharpen the fine detail", "hone the edges", "make it pin sharp",
        ),
        "adj": (
            "pin sharp", "needle sharp", "knife edged", "overcrisp", "over-sharpened", "haloed",
            "crisp edged", "well focused", "jaggy", "brittle",
        ),
        "noun": (
            "sharpening amount", "unsharp mask", "crisp edges", "sharp edges", "edge crispness",
            "edge bite", "pin sharpness", "focus sharpness", "edge acuity",
        ),
        "complaint": (
            "the edges have white outlines", "there are halos around everything", "it looks jaggy",
            "the hair looks wiry", "the outlines are glowing", "it looks brittle",
            "every edge has a halo", "the sharpening is cranked",
            "the edges look like they were cut with a knife",
        ),
    },
    "blur": {
        "cmp": (
            "more smudged", "more unfocused", "smudgier", "mushier", "more gaussian blurred",
            "more bokeh-like", "more motion blurred", "blurred out",
        ),
        "verb": (
            "blur it out", "smudge it", "throw it out of focus", "blur the background",
            "add some bokeh", "make it fuzzy", "defocus the image", "smear the details",
            "add motion blur", "knock it out of focus", "blur the whole thing",
        ),
        "adj": (
            "smudged", "unfocused", "bleary", "shaky", "mushy", "misfocused", "motion blurred",
            "gaussian blurred", "fuzzed out", "soft focused",
        ),
        "noun": (
            "bokeh", "gaussian blur", "motion blur", "lens blur", "background blur", "fuzz",
            "smudginess", "smear", "camera shake", "focus blur",
        ),
        "complaint": (
            "the faces are fuzzy", "nothing is in focus", "the eyes aren't sharp",
            "it looks like i shook the camera", "the focus is off", "the edges are mushy",
            "there's motion blur everywhere", "it looks like my eyesight without glasses",
        ),
    },
    "saturated": {
        "cmp": (
            "more colourful", "richer in colour", "more colour saturated", "more pigmented",
            "more drenched in colour", "deeper coloured", "lusher", "more candy colored",
            "more psychedelic", "heavier in color", "more saturated looking",
        ),
        "verb": (
            "crank the saturation", "push the saturation", "turn up the saturation",
            "pump up the colours", "saturate the colours", "pile on the colour",
            "make the colors richer", "bump the saturation", "add saturation",
            "drench it in color", "soak it in colour", "load it up with colour",
        ),
        "adj": (
            "colourful", "loud coloured", "acid coloured", "candy colored", "psychedelic", "lurid",
            "over-saturated", "day-glo", "oversaturated looking",
        ),
        "noun": (
            "saturation level", "colour", "colour saturation", "colour strength",
            "colour intensity", "colour richness", "color density", "pigment", "global saturation",
            "overall saturation",
        ),
        "complaint": (
            "the colors are bleeding", "it looks like a cheap postcard",
            "the colours are screaming at me", "it's a rainbow explosion",
            "the colours are over the top", "the grass looks radioactive", "the reds are clipping",
            "it's oversaturated", "the saturation is cranked",
            "the saturation is through the roof", "the skin tones are blotchy red",
        ),
    },
    "vivid": {
        "cmp": (
            "zestier", "more vivacious", "peppier", "more lifelike in color", "brighter coloured",
            "fresher looking", "more vivid looking", "livelier in colour",
            "more vibrant in colour", "more colorful yet natural", "more spirited in colour",
        ),
        "verb": (
            "bump the vibrance", "push the vibrance", "crank up the vibrance",
            "turn up the vibrance", "give the colors some life", "make the colours come alive",
            "add some vibrancy", "revive the colors", "make the colors livelier",
            "refresh the colours", "brighten up the colours",
        ),
        "adj": (
            "vivid looking", "vibrant looking", "bright coloured", "zesty", "vivacious", "peppy",
            "lively coloured", "vibrantly coloured", "fresh coloured", "vibrant in colour",
        ),
        "noun": (
            "vibrance level", "colour vibrance", "colour vibrancy", "vividness of the colors",
            "colour zest", "natural vibrance", "smart saturation", "vibrance boost",
            "colour vividness",
        ),
        "complaint": (
            "the vibrance is cranked", "the colours look unreal",
            "it looks like a tourism brochure", "the colours feel artificial",
            "the blue sky looks unreal", "the vibrance slider is pinned",
            "it looks like a travel ad", "the colours look unnatural",
        ),
    },
    "muted": {
        "cmp": (
            "more pastel toned", "more toned down in colour", "calmer in colour", "more earthy",
            "more mellow in colour", "more sober in colour", "dustier in colour",
            "more subtle in colour", "more pastel-like", "more restrained in colour",
            "more muted in colour",
        ),
        "verb": (
            "turn down the saturation", "pull the saturation down", "lower the saturation",
            "drop the saturation", "desaturate the colours", "mute the colours",
            "tone down the colours", "take the saturation down", "knock back the colours",
            "drain the colour", "take some colour out", "dial down the saturation",
        ),
        "adj": (
            "pastelly", "earthy", "toned down", "low in saturation", "soft coloured",
            "mellow toned", "dusty pastel", "desaturated looking", "under saturated",
            "muted in colour",
        ),
        "noun": (
            "muted colours", "subdued colours", "pastel colours", "muted palette",
            "desaturated look", "pastel palette", "earthy tones", "dusty tones", "low saturation",
            "desaturated tones",
        ),
        "complaint": (
            "everything looks beige", "the saturation is low", "it looks desaturated",
            "the sky looks grey instead of blue", "the flowers have lost their colour",
            "it looks like the colour was sucked out", "the saturation is gone",
            "the reds look brownish",
        ),
    },
    "bw": {
        "cmp": (
            "black-n-white", "gray scale", "grey scale", "mono toned", "monotone", "black n white",
            "b/w", "bnw", "achromatic", "black & white",
        ),
        "verb": (
            "convert it to mono", "strip out the colour", "remove all the colour",
            "drain all the colour out", "switch it to mono", "do a mono conversion",
            "give it the noir treatment", "convert to bw", "kill all the colour",
        ),
        "adj": (
            "greyscale looking", "gray", "silver gelatin", "grey toned", "colour free",
            "in shades of grey", "monochrome looking", "like an ansel adams print", "film noir",
            "silver toned",
        ),
        "noun": (
            "greyscale conversion", "monochrome conversion", "b&w conversion", "mono conversion",
            "film noir look", "silver gelatin look", "b&w look", "black-and-white look",
        ),
        "full": (
            "bnw please", "in monochrome", "greyscale please", "ansel adams style",
            "monochrome edit", "mono edit", "classic mono", "like a silent movie", "b/w please",
            "like a tri-x scan",
        ),
    },
    "lift_shadows": {
        "cmp": (
            "brighter in the dark areas", "lighter in the dark parts",
            "more detailed in the darks", "clearer in the shadows", "brighter darks",
            "lighter darks", "more open darks", "more readable shadows", "more lifted shadows",
            "brighter dark areas", "lighter in the shadow areas",
        ),
        "verb": (
            "slide the shadows up", "bump up the shadows", "push the shadows up",
            "pull up the shadows", "drag the shadow slider up", "brighten the dark bits",
            "lighten up the dark parts", "open up the darks", "bring the shadows up",
            "brighten the faces in shadow", "dodge the shadows", "rescue the shadows",
            "bring back detail in the shadows", "bring back the shadow detail",
            "increase the shadows", "push up the shadows", "turn up the shadows",
            "recover detail in the shadows",
        ),
        "adj": (
            "lifted in the shadows", "airy in the shadows", "bright in the darks",
            "bright in the dark bits", "open in the darks", "detailed in the shadows",
            "clear in the shadows", "lit in the shadows", "milky in the shadows",
            "visible in the shadows",
        ),
        "noun": (
            "shadow lift", "shadow opening", "shadow fill", "light in the dark areas",
            "detail in the dark areas", "shadow exposure", "shadow visibility", "shadow lifting",
            "brightness in the shadows", "detail in the darks",
        ),
        "full": (
            "shadow slider up", "shadows lifted", "shadows raised", "open shadows",
            "shadow recovery please", "darks up", "brighter shadow areas", "shadows lighter",
            "more light in the darks", "fill in the darks",
        ),
        "complaint": (
            "the shadows look grey", "the shadows look milky", "the dark areas look washed out",
            "the shadows are muddy grey", "the shadows have no depth", "the shadows look lifted",
            "the darks look grey", "the shadows glow", "there's no depth in the shadows",
            "the dark parts look hazy",
        ),
    },
    "deep_shadows": {
        "cmp": (
            "darker in the shadows", "deeper in the shadows", "blacker darks", "blacker shadows",
            "stronger shadows", "heavier darks", "darker darks", "richer darks", "lower shadows",
            "more crushed shadows", "denser darks", "more pronounced shadows",
        ),
        "verb": (
            "drop the shadows", "pull down the shadows", "lower the shadows",
            "slide the shadows down", "knock down the shadows", "burn the shadows",
            "deepen the darks", "darken the dark parts", "thicken the shadows",
            "add depth to the shadows", "pull the shadow slider down", "reduce the shadows",
            "turn down the shadows", "decrease the shadows",
        ),
        "adj": (
            "deep in the shadows", "dense in the shadows", "inky in the shadows",
            "black in the shadows", "blocked in the shadows", "dark in the dark areas",
            "heavy in the darks", "deep in the darks",
        ),
        "noun": (
            "shadow darkness", "shadow richness", "shadow blackness", "dark shadows",
            "inky shadows", "dense shadows", "shadow weight", "darkness in the shadows",
            "richness in the shadows", "shadow crush", "depth in the darks",
        ),
        "full": (
            "shadows lower", "deep darks", "inky shadows please", "darker darks please",
            "deep shadows please", "shadow slider down", "shadows deeper", "heavy shadows",
            "shadows crushed",
        ),
        "complaint": (
            "the shadows are a black void", "the dark bits are pure black",
            "the shadows look like a dungeon", "the dark areas are inky black",
            "the faces are lost in the dark", "the shadows swallow everything",
            "everything in the shade is black", "the shadows are clipped",
            "the eyes are lost in shadow", "the underside of the car is a black blob",
        ),
    },
    "recover_highlights": {
        "cmp": (
            "more textured highlights", "more controlled highlights", "lower highlights",
            "more recovered highlights", "more detailed in the sky", "darker in the highlights",
            "more subdued highlights", "more restrained highlights", "quieter highlights",
            "darker in the bright areas",
        ),
        "verb": (
            "pull down the highlights", "drop the highlights", "lower the highlights",
            "rein in the highlights", "knock back the highlights", "fix the blown out sky",
            "get the clouds back", "rescue the sky", "pull the highlight slider down",
            "tone down the highlights", "protect the highlights", "burn in the sky",
            "reduce the highlights", "dim the highlights", "knock down the highlights",
            "bring back detail in the highlights", "turn down the highlights",
            "decrease the highlights", "rescue the highlights",
        ),
        "adj": (
            "muted in the highlights", "soft in the highlights", "subdued in the highlights",
            "tame in the highlights", "flat in the highlights", "detailed in the highlights",
            "dark in the bright areas", "muddy in the highlights", "recovered in the highlights",
        ),
        "noun": (
            "highlight reduction", "cloud detail", "detail in the clouds", "cloud texture",
            "texture in the sky", "highlight control", "highlight compression",
            "detail in the bright areas", "highlight rolloff", "highlight pull",
        ),
        "full": (
            "highlights lower", "highlight slider down", "save the highlights",
            "darker highlights please", "bring back the sky", "highlights pulled back",
            "recover highlights", "detail back in the clouds", "tamed highlights",
            "clouds back please",
        ),
        "complaint": (
            "the highlights look muddy", "the sky looks grey", "the sky looks flat grey",
            "the highlights have no sparkle", "the highlights look dead",
            "the sky looks like concrete", "the highlights lost their glow",
            "the sunlight looks dim",
        ),
    },
    "boost_highlights": {
        "cmp": (
            "higher highlights", "brighter in the highlights", "more glowing highlights",
            "sparklier highlights", "more sparkling highlights", "more lifted highlights",
            "lighter in the bright areas", "more gleaming highlights", "glossier highlights",
        ),
        "verb": (
            "crank the highlights", "slide the highlights up", "bump the highlights",
            "pull up the highlights", "bring up the highlights", "make the highlights sparkle",
            "add sparkle to the highlights", "brighten the light areas", "make the sunlight glow",
            "push the highlight slider up", "light up the bright spots", "increase the highlights",
            "push up the highlights", "turn up the highlights",
        ),
        "adj": (
            "luminous in the highlights", "light in the highlights", "radiant in the highlights",
            "sparkly in the highlights", "bright in the light areas", "clipped in the highlights",
            "lifted in the highlights", "glowy in the highlights", "burnt out in the highlights",
        ),
        "noun": (
            "highlight boost", "highlight lift", "sparkle in the highlights", "highlight sparkle",
            "highlight shine", "highlight luminance", "shine in the highlights",
            "highlight intensity", "radiance in the highlights", "highlights", "highlights slider",
        ),
        "full": (
            "highlights lighter", "highlight slider up", "lifted highlights", "bright highlights",
            "sparkling highlights", "highlights raised", "luminous highlights please",
            "glowy highlights", "highlights higher", "gleaming highlights",
        ),
        "complaint": (
            "the sky is pure white", "the clouds are blown out", "the sunset is a white smear",
            "the faces look burnt out", "there's no detail in the sky", "the highlights are nuked",
            "the sun is a white blob", "the bright areas are glaring",
            "the highlight warning is on", "the sky looks bleached", "the lamp is a white hole",
        ),
    },
    "bright_whites": {
        "cmp": (
            "more luminous whites", "fresher whites", "lighter whites", "higher whites",
            "more sparkling whites", "bolder whites", "more dazzling whites", "higher white point",
            "more gleaming whites", "snowier whites",
        ),
        "verb": (
            "bump up the whites", "push the white slider up", "brighten the white tones",
            "raise the whites", "freshen the whites", "bring up the whites",
            "make the whites sparkle", "make the snow whiter", "make the whites crisp",
            "whiten the whites", "make the whites gleam", "set the white point higher",
            "increase the whites", "push up the whites", "turn up the whites",
        ),
        "adj": (
            "crisp in the whites", "light in the whites", "clipped in the whites",
            "brilliant in the whites", "pure in the whites", "sparkly in the whites",
            "fresh in the whites", "bright white", "clean white",
        ),
        "noun": (
            "white intensity", "whites slider", "brightness in the whites", "white brightness",
            "sparkle in the whites", "whiteness", "brilliance of the whites", "white luminance",
            "crisp whites", "clean whites", "whites", "whites level",
        ),
        "full": (
            "whites higher", "whites raised", "white slider up", "crisp whites please",
            "snowy whites", "bright whites", "brilliant whites please", "whiter whites please",
            "whites lifted", "white point up",
        ),
        "complaint": (
            "the whites are glowing", "the wedding dress is a white blob",
            "the snow has no texture", "the white shirt is blown out", "the whites are nuked",
            "the whites are searing", "the white walls are blinding", "the dress has no detail",
            "the whites look harsh", "the paper looks blank white",
        ),
    },
    "dull_whites": {
        "cmp": (
            "murkier whites", "darker whites", "more subdued whites", "quieter whites",
            "tamer whites", "grayer whites", "lower white point", "darker white point",
            "more muted whites", "more restrained whites",
        ),
        "verb": (
            "lower the whites", "drop the whites", "tame the whites", "pull back the whites",
            "lower the white point", "tone down the whites", "recover the whites",
            "push the white slider down", "subdue the whites", "rein in the whites",
            "bring back detail in the whites", "calm down the whites", "reduce the whites",
            "pull down the whites", "turn down the whites", "decrease the whites",
        ),
        "adj": (
            "dim in the whites", "dark in the whites", "muted in the whites", "gray in the whites",
            "soft in the whites", "flat in the whites", "drab in the whites",
            "subdued in the whites", "tame in the whites",
        ),
        "noun": (
            "white reduction", "white recovery", "detail in the whites", "texture in the whites",
            "white detail", "whites recovery", "grey whites", "toned down whites",
            "white suppression", "dull whites",
        ),
        "full": (
            "white slider down", "whites darker", "whites lowered", "whites pulled down",
            "tamed whites", "whites toned down", "detail back in the whites",
            "softer whites please", "muted whites please", "white point down",
        ),
        "complaint": (
            "the snow looks grey", "the whites look muddy", "the shirt looks grubby",
            "the paper looks grey", "the whites look like old socks", "the white walls look dull",
            "the whites look stained", "the whites look like dishwater",
        ),
    },
    "deep_blacks": {
        "cmp": (
            "blacker in the darkest tones", "blacker blacks", "heavier blacks",
            "blacker at the bottom end", "more crushed blacks", "darker in the blacks",
            "richer in the blacks", "denser in the blacks", "more velvety blacks",
        ),
        "verb": (
            "lower the black point", "drop the blacks", "pull the blacks down",
            "take the blacks slider down", "clip the blacks", "make the blacks pure black",
            "richen the blacks", "bury the blacks", "slide the blacks slider left",
            "knock the blacks down", "make the blacks inky", "lower the blacks",
            "reduce the blacks", "pull down the blacks", "bring down the blacks",
            "turn down the blacks", "decrease the blacks",
        ),
        "adj": (
            "weighty in the blacks", "dense in the blacks", "clipped in the blacks",
            "velvety in the blacks", "blocked up in the blacks", "dark in the blacks",
            "inky black", "crushed at the black end",
        ),
        "noun": (
            "black crush", "crushed blacks", "black richness", "pure black", "black clipping",
            "inkiness", "heavy blacks", "strong blacks", "density in the blacks", "jet black",
        ),
        "full": (
            "blacks lower", "blacks deeper", "blacks crushed", "black point down",
            "blacks slider down", "crushed blacks look", "proper blacks", "pure blacks",
            "jet blacks",
        ),
        "complaint": (
            "the blacks are clipped", "the blacks are blocking up", "the blacks have no detail",
            "the blacks look like tar", "the blacks are inky", "the blacks look like ink blots",
            "the blacks swallow the detail", "her black hair is one black blob",
        ),
    },
    "lift_blacks": {
        "cmp": (
            "more milky blacks", "more washed blacks", "flatter blacks", "lighter in the blacks",
            "softer in the blacks", "more open blacks", "weaker blacks",
            "more lifted in the blacks", "more charcoal blacks", "greyer in the blacks",
        ),
        "verb": (
            "lift the black point", "pull up the black point", "lift the black floor",
            "ease the blacks up", "give the blacks a matte lift", "pull the blacks up",
            "lift the black level", "unclip the blacks", "slide the blacks slider right",
            "bump up the blacks", "grey out the blacks", "increase the blacks",
            "push up the blacks", "turn up the blacks",
        ),
        "adj": (
            "washed in the blacks", "faded in the blacks", "soft in the blacks",
            "hazy in the blacks", "lifted in the blacks", "milky grey in the blacks",
            "flat in the blacks", "open in the blacks", "charcoal grey in the blacks",
            "bright in the blacks",
        ),
        "noun": (
            "lifted black point", "raised blacks", "milky blacks", "washed blacks",
            "charcoal blacks", "black floor lift", "grey blacks", "soft blacks",
            "lift in the blacks", "hazy blacks", "open blacks",
        ),
        "full": (
            "blacks higher", "blacks brighter", "blacks lifted", "black point up",
            "blacks slider up", "raised blacks look", "faded blacks look", "matte black look",
            "soft matte blacks", "charcoal grey blacks", "washed out blacks look",
            "unclipped blacks",
        ),
        "complaint": (
            "the blacks look like charcoal", "the blacks are lifted", "the blacks are washed",
            "the black point is raised", "there's no true black anywhere",
            "the darkest tones look grey", "the blacks look like fog",
            "the blacks have a grey haze", "the blacks look dusty",
            "nothing in the photo is actually black", "the black suit looks charcoal",
        ),
    },
    "vignette": {
        "cmp": (
            "murkier at the edges", "darker along the borders", "more vignetty",
            "heavier in the corners", "dimmer at the corners", "shadier at the edges",
            "more shaded at the edges", "darker at the frame edges", "more spotlit in the centre",
            "dimmer around the frame", "darker toward the edges", "blacker at the corners",
        ),
        "verb": (
            "slap a vignette on it", "darken the outer edges", "burn in the corners",
            "put a dark vignette on it", "add a dark vignette", "dim the edges", "shade the edges",
            "darken the outskirts of the frame", "spotlight the subject with a vignette",
            "drop the vignette slider", "add a post crop vignette",
        ),
        "adj": (
            "dim at the edges", "shadowed at the corners", "vignetty", "dark bordered",
            "dark framed", "burnt in at the corners", "spotlit", "black at the corners",
            "like a porthole",
        ),
        "noun": (
            "black vignette", "edge burning", "corner burn", "edge shading",
            "darkening at the edges", "shadowed corners", "edge vignette", "lens vignette",
            "corner falloff", "edge shadow", "post crop vignette",
        ),
        "complaint": (
            "the corners look burnt", "the edges are black",
            "it looks like i'm peeking through a hole", "there's a dark ring around the photo",
            "the corners look smudged", "it looks like looking through binoculars",
            "the frame edges are black", "the edges are heavy", "the vignette is heavy-handed",
            "there's a dark halo around the edges",
        ),
    },
    "light_corners": {
        "cmp": (
            "sunnier at the corners", "paler at the corners", "whiter at the edges",
            "lighter along the borders", "more even at the edges",
            "more evenly lit to the corners", "brighter at the frame edges",
            "more open at the corners", "whiter in the corners", "lighter toward the edges",
            "paler around the edges",
        ),
        "verb": (
            "get rid of the dark corners", "correct the lens falloff", "bleach the edges",
            "whiten the corners", "add a glow to the corners", "brighten the outer edges",
            "even out the corners", "fix the corner falloff", "dodge the corners",
            "fade the edges to white", "push the vignette slider right", "lift the edges",
        ),
        "adj": (
            "luminous at the edges", "white around the edges", "pale around the edges",
            "light cornered", "white edged", "glowing at the edges", "bleached at the corners",
            "white framed", "whitened at the edges",
        ),
        "noun": (
            "white edges", "light edges", "white corners", "edge brightening", "corner lift",
            "glowing edges", "bright vignette", "inverse vignette", "positive vignette",
            "lens falloff correction",
        ),
        "complaint": (
            "the corners are white", "the corners look bleached", "the edges are glowing white",
            "there's a white halo around the frame", "the corners look blown out",
            "the edges look foggy white", "it looks like there's a white frame around it",
            "the edges are brighter than the middle", "the corners glow",
            "the white edges are distracting",
        ),
    },
    "fade": {
        "cmp": (
            "chalkier", "more milky", "more dusty", "more powdery", "more sun-faded",
            "more washed", "mattier", "more faded out", "more vsco", "more matte finished",
        ),
        "verb": (
            "add some fade", "give it a vsco fade", "fade it out", "put a matte filter on it",
            "wash out the tones", "give it a chalky look", "mattify it",
            "give it a dusty film look", "bump the fade slider", "add a faded filter",
            "give it that faded instagram look",
        ),
        "adj": (
            "matted", "powdery", "washed", "sun-faded", "faded out", "vsco-like", "lifted",
            "milky matte", "chalk white",
        ),
        "noun": (
            "fading", "fadedness", "matte fade", "matte filter", "chalkiness", "milkiness",
            "vsco fade", "washed out look", "dusty look", "faded filter", "film matte",
        ),
        "full": (
            "vsco style", "faded vsco look", "matte film style", "dusty matte look",
            "faded instagram filter", "chalky matte look", "matte aesthetic", "faded aesthetic",
            "washed out film look", "soft matte fade",
        ),
        "complaint": (
            "it looks dusty", "it looks powdery", "everything looks chalky",
            "it looks like it was left in the sun", "there's a milky film over everything",
            "the whole thing looks bleached", "it looks like a faded poster",
            "the matte effect is overdone", "it's all washed out",
        ),
    },
    "grain": {
        "cmp": (
            "more speckled", "sandier", "more grained", "more film grained", "more like high iso",
            "coarser", "grainier looking", "more peppered", "more like a film scan",
            "more like tri-x",
        ),
        "verb": (
            "add a grain overlay", "sprinkle in some noise", "grunge it up with grain",
            "make it grainy", "give it some grit", "rough it up with grain", "add film noise",
            "add a noise texture", "give it a high iso look", "push the grain slider up",
            "add analog grain", "dust it with grain",
        ),
        "adj": (
            "grained", "flecked", "coarse grained", "high iso", "staticky", "peppered with noise",
            "sandpapery", "coarse", "noisy like high iso",
        ),
        "noun": (
            "grain structure", "speckle texture", "grain texture", "luminance noise",
            "digital noise", "high iso noise", "sensor noise", "chroma noise", "speckling",
            "grain overlay", "analog grain",
        ),
        "complaint": (
            "it looks like static", "it looks like a sandstorm", "the skin looks sandy",
            "there are dots everywhere", "it looks like an old tv screen",
            "the grain is overpowering", "the noise is ugly",
            "it looks like it was shot at high iso",
        ),
    },
    "pop": {
        "cmp": (
            "poppier", "more eye-popping", "more attention-grabbing", "more arresting",
            "more head-turning", "more scroll-stopping", "more wow-worthy", "more standout",
            "more dazzling", "more instagrammable", "more jaw-dropping",
        ),
        "verb": (
            "make the photo pop", "make the subject pop", "make it grab attention",
            "make it catch the eye", "give it impact", "give it some wow factor", "add some oomph",
            "make it scroll-stopping", "give it some sparkle", "make it feel alive",
            "give it the wow",
        ),
        "adj": (
            "eye-popping", "attention-grabbing", "arresting", "head-turning", "scroll-stopping",
            "standout", "jaw-dropping", "poppin",
        ),
        "noun": (
            "pizzazz", "sparkle", "wow effect", "eye appeal", "visual impact", "pop factor",
            "kick", "presence", "spark", "sizzle",
        ),
        "full": (
            "pop it", "more impact", "pop that photo", "wow me", "eye candy", "instagram pop",
            "scroll-stopping edit", "pop edit", "the wow factor", "more oomph", "poppy look",
            "more zing",
        ),
        "complaint": (
            "it looks like an ad", "it screams instagram filter", "it looks like a cheap filter",
            "it looks over-edited", "the edit is loud", "it looks flashy",
            "it looks like a billboard", "the pop is overdone", "it looks like a tv showroom demo",
        ),
    },
    "lifeless": {
        "cmp": (
            "blander", "more insipid", "more toned down", "more nondescript", "more vanilla",
            "more humdrum", "more sober", "more unremarkable", "more tepid",
        ),
        "verb": (
            "take the life out of it", "drain the life out of it", "make it plain",
            "make it look ordinary", "make it sober", "mellow it out", "tame the whole look",
            "downplay the look", "deaden it", "dampen the look", "make it unflashy",
        ),
        "adj": (
            "featureless", "flavourless", "lackluster looking", "insipid", "soulless",
            "uninteresting", "dull as dishwater", "vanilla", "humdrum", "tired", "limp",
            "dead looking",
        ),
        "noun": (
            "staleness", "blahness", "insipidness", "listlessness", "tameness", "plainness",
            "boringness", "monotony", "dead look", "dull look",
        ),
        "complaint": (
            "it does nothing for me", "it has no energy", "it's dead", "it looks tired",
            "it feels like a passport photo", "there's no spark", "nothing jumps out",
            "it's snooze-worthy", "it's a yawn",
        ),
    },
    "moody": {
        "cmp": (
            "more glum", "more foreboding", "darker in mood", "more ominous", "more sullen",
            "more sombre", "more haunting", "more eerie",
        ),
        "verb": (
            "make it moody", "moody it up", "give it some mood", "give it a melancholy tone",
            "give it a dark mood", "make it look like a rainy day", "add a moody grade",
            "make it feel like dusk", "darken the atmosphere", "make it feel haunting",
        ),
        "adj": (
            "wistful", "melancholy", "ominous", "broody", "sullen", "eerie", "haunting", "gothic",
            "foreboding", "like a rainy day",
        ),
        "noun": (
            "glumness", "gloominess", "broodiness", "moody tone", "dark mood", "moody feel",
            "somberness", "dark atmosphere", "moody atmosphere", "melancholy feel",
        ),
        "full": (
            "moody grade", "dark moody look", "moody instagram look", "moody aesthetic",
            "moody forest look", "dark academia look", "moody autumn vibe", "rainy day mood",
            "moody portrait look", "gloomy vibes", "moody tones",
        ),
        "complaint": (
            "it looks depressing", "it feels like a funeral", "it feels bleak",
            "it looks miserable", "it's grim", "it feels oppressive", "the mood is heavy",
            "it's a downer", "it looks like a horror film",
        ),
    },
    "dramatic": {
        "cmp": (
            "more operatic", "more heroic", "more majestic", "stormier", "more explosive",
            "fiercer", "more commanding", "more spectacular", "more monumental", "more climactic",
        ),
        "verb": (
            "dramatise it", "amp up the drama", "give it epic scale", "make the clouds dramatic",
            "add a dramatic edge", "make it heroic", "give it gravitas", "make it look majestic",
        ),
        "adj": (
            "operatic", "heroic", "majestic", "tempestuous", "grandiose", "explosive", "fierce",
            "commanding", "spectacular", "larger than life", "thunderous", "monumental",
        ),
        "noun": (
            "dramatic effect", "dramatic feel", "theatrics", "grandeur", "gravitas", "spectacle",
            "drama in the sky", "storminess", "dramatic flair", "dramatic lighting",
        ),
        "full": (
            "epic look", "dramatic clouds", "big dramatic edit", "epic vibes", "dramatic grade",
            "larger than life look", "epic mountain look", "heroic look", "dramatic vibes",
        ),
        "complaint": (
            "it's melodramatic", "it looks theatrical", "the sky looks apocalyptic",
            "it looks like the end of the world", "it's trying to be epic", "it's overdramatic",
            "it looks like a movie trailer", "it looks like a video game cover",
            "the drama is heavy-handed", "the sky looks like armageddon",
        ),
    },
    "vintage": {
        "cmp": (
            "more bygone", "more old timey", "more throwback", "more weathered",
            "more like old film", "more eighties", "more lo-fi", "more like a film print",
        ),
        "verb": (
            "age the photo", "give it a sixties look", "add a vintage filter",
            "make it look like a polaroid", "give it a throwback vibe",
            "make it look like expired film", "make it look like a disposable camera shot",
            "give it an old timey look", "give it a kodachrome look", "turn back the clock",
        ),
        "adj": (
            "like a yearbook photo", "old timey", "yesteryear", "like a family album", "throwback",
            "lo-fi", "like a polaroid", "like a seventies snapshot", "retro looking",
            "like expired film",
        ),
        "noun": (
            "vintage feel", "vintage filter", "retro effect", "throwback vibe", "nostalgic vibe",
            "aged look", "expired film look", "kodachrome look", "old timey feel", "lomo effect",
        ),
        "full": (
            "throwback vibes", "like an old kodak print", "like a disposable camera",
            "like grandma's photo album", "like an eighties family photo",
            "like a thrift store photo", "old school film look", "like a photo from the sixties",
            "retro vibes", "like a lomo shot", "like an old instamatic snapshot",
        ),
        "complaint": (
            "it looks like it's from the seventies", "it looks like an old polaroid",
            "it looks ancient", "it looks like it came from a thrift store",
            "it looks like a museum piece", "the retro filter is overdone",
            "it looks like grandpa's slides", "the vintage effect is overdone",
            "it looks like it was shot decades ago",
        ),
    },
    "airy": {
        "cmp": (
            "breezier", "more light filled", "more open feeling", "more weightless", "more floaty",
            "more like a spring morning", "fresher feeling", "more like a morning breeze",
        ),
        "verb": (
            "give it a breezy feel", "make it feel weightless", "airy it up",
            "give it a clean airy look", "give it a fresh open feel", "give it a light airy edit",
            "make it feel spacious", "fill it with soft airy light",
        ),
        "adj": (
            "light filled", "light as air", "weightless", "feathery", "floaty", "spacious",
            "airy looking", "like a wedding blog", "like a lifestyle blog",
        ),
        "noun": (
            "breeziness", "air", "openness", "weightlessness", "airy vibe", "airy edit",
            "spaciousness", "airy brightness", "sense of air", "light airy look",
        ),
        "full": (
            "airy look", "light airy vibes", "breezy summer look", "clean airy edit",
            "airy blog style", "like a scandi interior shot", "like a white linen morning",
            "light airy wedding edit", "airy lifestyle look", "like a pinterest lifestyle shot",
        ),
        "complaint": (
            "it has no weight to it", "it looks like it's floating away",
            "everything looks weightless", "the airy look is overdone", "it lacks weight",
            "it's all air", "the airiness is overdone", "it feels insubstantial",
            "the whole thing feels thin",
        ),
    },
    "dreamy": {
        "cmp": (
            "more otherworldly", "more enchanted", "more fanciful", "more storybook",
            "more wistful", "more heavenly", "more angelic", "more fantasy like", "more daydreamy",
            "more fairy like",
        ),
        "verb": (
            "give it a fantasy glow", "make it dreamlike", "make it feel like a fantasy",
            "make it look enchanted", "give it a storybook look", "give it a heavenly glow",
            "make it feel like a reverie",
        ),
        "adj": (
            "otherworldly", "enchanting", "celestial", "like a dream", "like a fairy tale",
            "like a memory", "like a daydream", "fantasy", "like a disney scene",
        ),
        "noun": (
            "fantasy glow", "wonder", "enchantment", "dreamlike quality", "daydream vibe",
            "fairytale feel", "storybook feel", "fairy glow", "otherworldliness",
        ),
        "full": (
            "dreamy vibes", "like a scene from a fairy tale", "daydream vibes",
            "dreamy wedding edit", "fairytale look", "storybook style", "like a disney movie",
            "enchanted forest look", "like something from a dream", "dreamscape look",
            "like a childhood memory",
        ),
        "complaint": (
            "it looks like a fairy tale book cover", "it looks unreal like a dream",
            "it's all hazy like a dream", "the dreamy effect is overdone",
            "it looks like a cheesy fantasy poster", "everything glows like a dream",
            "it looks like a soap opera flashback", "it looks like a dream sequence",
        ),
    },
    "hdr": {
        "cmp": (
            "more tonemapped", "more hyperreal", "more compressed in range", "more evenly exposed",
            "more like a real estate photo", "more high dynamic", "more bracketed looking",
            "more like hdr mode", "more hyper realistic", "more exposure blended",
        ),
        "verb": (
            "tonemap it", "blend the exposures", "merge it like hdr",
            "bring back the sky while lifting the shadows", "balance the sky with the foreground",
            "give it the hdr treatment", "hdr it", "expand the dynamic range",
            "show detail from the sky to the shadows", "pull detail from both ends",
        ),
        "adj": (
            "tonemapped", "hyperrealistic", "hdr looking", "hdr processed", "over tonemapped",
            "like hdr mode", "like a real estate listing", "grungy hdr", "bracketed",
        ),
        "noun": (
            "tonemapping effect", "hdr processing", "hdr filter", "exposure blending",
            "hdr treatment", "bracketing effect", "hdr mode", "hdr vibe",
            "dynamic range compression",
        ),
        "full": (
            "hdr vibes", "like a real estate listing photo", "like hdr on my iphone",
            "tone mapped look", "grungy hdr look", "like a bracketed shot",
            "detail from sky to shadows", "hyperreal hdr look",
        ),
        "complaint": (
            "it looks like a cheap real estate ad", "it looks like a video game",
            "it looks like a bad phone hdr", "it looks hyperreal", "the hdr effect is overdone",
            "it looks tonemapped to death",
        ),
    },
    "golden_hour": {
        "cmp": (
            "more like the hour before sunset", "more sun soaked", "more like dusk",
            "more like sunrise", "more like the evening glow", "more like a summer evening",
            "more sun kissed", "more like late afternoon sun",
        ),
        "verb": (
            "add a sunset glow", "make it look like sunrise", "add golden sunlight",
            "give it that evening glow", "flood it with late sun", "make it glow like sunset",
            "give it a sun soaked look", "kiss it with sunlight",
            "make it look like the sun is setting",
        ),
        "adj": (
            "sun soaked", "sunlit", "sunset lit", "evening lit", "sun drenched", "like sunrise",
            "like a summer evening", "glowing like sunset", "like late afternoon light",
        ),
        "noun": (
            "evening sunlight", "sunset light", "late sun", "sunrise glow", "afterglow",
            "low evening sun", "sunset hue", "dusk light", "sunset warmth",
        ),
        "full": (
            "like the sun is going down", "beach sunset look", "golden hour portrait look",
            "like a summer sunset", "like late afternoon sun", "like evening at the beach",
            "sunset glow look", "like a warm july evening", "sunkissed look",
            "like it was shot at sunset", "golden hour edit",
        ),
    },
    "cinematic": {
        "cmp": (
            "more like a movie frame", "more widescreen", "more arthouse", "more graded",
            "more anamorphic", "more like a netflix drama", "more like a thriller",
            "more like a scene from a film", "more cinema like", "more big screen",
        ),
        "verb": (
            "color grade it like a film", "give it a movie grade",
            "make it look like a film frame", "give it a teal orange grade",
            "grade it cinematically", "make it look like a scene from a thriller",
            "give it a big screen look", "add a cinema grade", "give it the blockbuster treatment",
            "give it an arthouse feel", "colour grade it like cinema",
        ),
        "adj": (
            "like a screen grab from a film", "widescreen", "anamorphic", "arthouse",
            "teal orange graded", "like a thriller", "big screen", "cinema like", "movie graded",
            "like a tv drama",
        ),
        "noun": (
            "movie grade", "cinema grade", "teal orange look", "hollywood grade",
            "blockbuster look", "cinematic vibe", "movie vibe", "big screen feel",
            "widescreen look",
        ),
        "full": (
            "netflix vibes", "movie vibes", "cinematic vibes", "like a film frame",
            "hollywood style grade", "like an indie movie", "like a trailer shot",
            "letterbox look", "cinema style", "teal orange grade",
        ),
    },
    "auto_exposure": {
        "full": (
            "correct the light levels", "auto expose it", "correct the exposure levels",
            "normalize the exposure", "normalise the exposure", "the exposure is messed up",
            "tidy up the exposure", "the brightness is off", "the brightness is wrong",
            "the brightness needs correcting", "set the brightness right", "balance the lighting",
            "fix the exposure levels", "exposure fix", "even out the exposure",
            "meter it properly", "expose it correctly", "make the brightness correct",
            "the exposure needs fixing", "the exposure looks wrong", "optimize the exposure",
            "auto adjust the exposure", "auto adjust the brightness", "the exposure isn't right",
            "nail the exposure", "balance the light levels",
        ),
    },
    "auto_wb": {
        "full": (
            "fix the colour cast", "correct the colour balance", "fix the colour temperature",
            "auto wb", "make the whites neutral", "neutralise the colours", "the colours are off",
            "the colour balance is off", "fix the color balance", "correct the colours",
            "get the colours right", "true colours", "neutral colours", "white balance fix",
            "correct the color temperature", "fix the tint", "correct the tint",
            "remove the colour cast", "sort out the colours", "the colour temperature is wrong",
            "match the colours to real life", "realistic colours", "colour correction",
            "the whites aren't neutral", "the tint is off", "the temperature is off",
            "accurate colors", "get rid of the color cast",
        ),
    },
    "auto_contrast": {
        "full": (
            "fix the contrast levels", "automatic contrast", "the contrast isn't right",
            "the contrast is wrong", "get the contrast balanced", "balance the tones",
            "fix the levels", "set the levels", "normalize the tones", "adjust the levels",
            "the contrast looks wrong", "contrast fix", "optimize the contrast",
            "auto adjust the contrast", "stretch the histogram", "fix the histogram",
            "proper contrast", "balanced contrast", "the contrast needs fixing",
            "make the contrast correct", "tune the contrast", "nail the contrast",
            "sort the contrast out", "normalise the contrast",
        ),
    },
    "auto_all": {
        "full": (
            "one tap fix", "auto tone", "one click fix", "fix it up", "tidy it up",
            "make it look nice", "upgrade it", "improve the image", "enhance the image",
            "edit it for me", "make it look polished", "optimize it", "optimise the photo",
            "smart enhance", "auto edit", "give it a once over", "make it presentable",
            "spruce it up", "fix up the photo", "basic correction", "correct everything",
            "sort it out", "tidy up the image", "auto adjust it", "give it a pro edit",
            "make it look decent",
        ),
    },
    "neutral": {
        "full": (
            "ta", "thank you", "cheers", "that's great", "looks good to me", "this is my cat",
            "it's a photo of my kids", "taken on my phone", "shot on an iphone", "we went hiking",
            "this is from last summer", "it's for a competition", "it's my profile picture",
            "love it", "amazing", "sweet", "okay", "fair enough", "sounds good", "that's lovely",
            "it's from my wedding", "my friend took this", "happy with that", "looks perfect",
            "that'll do", "cool cool", "we're done",
        ),
    },
    "bare_more": {
        "full": (
            "moar", "further", "keep pushing", "bump it up", "pump it up", "amp it", "amp it up",
            "i don't see any change", "i can't see it", "boost it further", "dial it up",
            "same again", "keep it coming", "lay it on thicker", "push harder", "bigger",
            "take it further", "i want it stronger", "not strong enough", "raise it", "ramp it up",
            "kick it up", "it needs more",
        ),
    },
    "bare_less": {
        "full": (
            "back it off", "hold back", "ease up", "dial it down", "tone it back",
            "not that strong", "that's overkill", "overkill", "cut it back", "go easier",
            "reduce it", "turn it down", "lower it", "decrease it", "knock it back",
            "back it down", "that's excessive", "overboard", "you went overboard",
            "it's heavy handed", "pull back on it", "reduce the effect", "weaken it",
            "cut it in half", "dial back the effect", "it's over the top",
        ),
    },
    "bare_undo": {
        "full": (
            "undo the change", "undo the edit", "revert the change", "revert it", "reset it",
            "go back one step", "go back a step", "i preferred it before",
            "i liked the previous version", "it was nicer before", "step back", "roll it back",
            "roll back", "cancel", "cancel the last edit", "scratch that", "forget that",
            "remove that change", "ctrl z", "command z", "revert to the previous one",
            "restore the previous version", "bring it back", "back to before", "oops undo",
        ),
    },
}

#: Training-only sentence frames per (polarity, slot), same conventions as :data:`.frames.FRAMES`.
EXTRA_FRAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("WANT", "cmp"): (
        "could you go {d}{x}", "would you make it {d}{x}", "i feel like it should be {d}{x}",
        "i feel like it needs to be {d}{x}", "it could be {d}{x}", "it could do with being {d}{x}",
        "i reckon it wants to be {d}{x}", "i'd rather have it {d}{x}", "what about {d}{x}",
        "can it be {d}{x}", "it'd look nicer {d}{x}", "i wish it were {d}{x}",
        "it ought to be {d}{x}", "make the pic {d}{x}", "nudge it {d}{x}", "take it {d}{x}",
        "{d}{x} would be nice", "shouldn't it be {d}{x}?", "wouldn't it look better {d}{x}",
    ),
    ("WANT", "verb"): (
        "could you {x}", "could you please {x}", "can you please {x}", "please could you {x}",
        "i'd like to {x}", "just {x}", "now {x}", "is it possible to {x}?",
        "any chance you could {x}?", "is there a way to {x}", "i feel like you should {x}",
        "you might want to {x}", "i think we should {x}", "we need to {x}",
        "might be worth trying to {x}", "why don't you {x}", "why not {x}",
        "would it be possible to {x}", "help me {x}",
    ),
    ("WANT", "noun"): (
        "lift the {x}", "bring up the {x}", "bring out the {x}", "could you add {d}more {x}",
        "can i get {d}more {x}", "i'd like {d}more {x}", "give me some {x}", "throw in some {x}",
        "add a bit of {x}", "heighten the {x}", "intensify the {x}", "emphasise the {x}",
        "dial up the {x}", "ramp up the {x}", "turn the {x} up", "bump the {x} up",
        "it's lacking {x}", "there isn't enough {x}", "i feel like it needs more {x}",
        "the {x} could be stronger",
    ),
    ("WANT", "adj"): (
        "could it be {d}{x}", "i'd like it to be {d}{x}", "i want a {x} look",
        "i'm after a {x} look", "i'm after something {d}{x}", "give it a {x} vibe",
        "make it look more {x}", "it should look more {x}", "it needs to feel {d}{x}",
        "not {x} enough yet", "it could be more {x}", "could it look more {x}?",
        "i'd love a {x} look", "push it to look {d}{x}", "going for a {x} mood",
        "a more {x} look please", "i'd like it to look {d}{x}", "it's meant to look {x}",
        "it's supposed to be {x}",
    ),
    ("WANT", "full"): (
        "could i have {x}", "i'd like {x}", "could we try {x}", "i'm thinking {x}", "go for {x}",
    ),
    ("NONE", "full"): (
        "oh {x}", "wow {x}", "{x} thanks", "{x} haha", "{x} lol", "yeah {x}", "aw {x}",
        "{x} cheers",
    ),
    ("WANT", "bare"): (
        "yes {x}", "{x} pls", "um {x}", "even {x}", "{x} again", "yeah {x}",
    ),
    ("OPPOSE", "adj"): (
        "it's coming across {d}too {x}", "could you make it {d}less {x}", "could it be less {x}",
        "i feel like it's {d}too {x}", "it's gone {d}too {x}", "it's a tad {x}",
        "feels {d}too {x}", "too {x} for my liking", "too {x} for my taste", "way too {x} for me",
        "not as {x} please", "could we go less {x}", "it's excessively {x}", "it's just too {x}",
        "everything looks {d}too {x}", "the picture is {d}too {x}", "it's come out {d}too {x}",
        "why does it look so {x}", "it's a touch too {x}", "kinda too {x}",
        "make it look less {x}", "i don't want it so {x}", "it reads {d}too {x}",
    ),
    ("OPPOSE", "noun"): (
        "bring down the {x}", "bring the {x} down", "pull the {x} back", "knock the {x} down",
        "knock back the {x}", "can you lower the {x}", "could you reduce the {x}",
        "it has too much {x}", "there's too much {x} going on", "i'd like less {x}",
        "can we have less {x}", "the {x} is {d}too strong", "the {x} is overpowering",
        "the {x} is a bit much", "rein in the {x}", "scale back the {x}", "cut down the {x}",
        "turn the {x} down", "dial the {x} back", "ease up on the {x}",
        "the {x} needs to come down",
    ),
    ("OPPOSE", "complaint"): (
        "i feel like {x}", "not gonna lie {x}", "it seems {x}", "{x} right now",
        "{x} to be honest", "tbh {x}", "i notice {x}",
    ),
    ("FORBID", "cmp"): (
        "it shouldn't be any {x}", "i don't want it any {x}", "no need to make it {x}",
        "no need to go {x}", "it shouldn't end up {x}", "try not to make it {x}",
        "without it getting {x}", "keep it from getting {x}", "please avoid going {x}",
        "i'd rather it not get {x}", "we don't want it any {x}", "dont make it {x}",
        "no {x} than this", "no {x} than it is now",
    ),
    ("FORBID", "verb"): (
        "there's no need to {x}", "i'd rather you didn't {x}", "you don't need to {x}",
        "you don't have to {x}", "we don't need to {x}", "you mustn't {x}",
        "whatever you do don't {x}", "do not {x} please", "don't even {x}",
        "it's not necessary to {x}", "i'd rather not {x}", "i don't need you to {x}",
        "don't {x} any further", "pls don't {x}", "dont {x}", "don't bother trying to {x}",
    ),
    ("FORBID", "noun"): (
        "don't add any more {x}", "no more {x} please", "don't crank up the {x}",
        "don't turn up the {x}", "don't bump up the {x}", "don't pump up the {x}",
        "don't put more {x} in", "there's enough {x} already", "no further {x}",
        "i don't want more {x}", "don't intensify the {x}", "don't amp up the {x}",
        "no need for more {x}", "don't strengthen the {x}", "don't give it more {x}",
        "don't heighten the {x}",
    ),
    ("REMOVE", "noun"): (
        "get rid of {x}", "delete the {x}", "can you remove the {x}", "please remove the {x}",
        "i don't want the {x}", "no {x} at all", "without the {x}", "turn off the {x}",
        "turn the {x} off", "switch off the {x}", "nix the {x}", "take the {x} away",
        "remove the {x} completely", "the {x} has to go", "the {x} needs to go",
        "do away with the {x}", "erase the {x}", "wipe out the {x}", "i'd rather have no {x}",
        "could you get rid of the {x}",
    ),
    ("KEEP", "noun"): (
        "leave the {x} untouched", "the {x} is fine as it is", "i love the {x}",
        "the {x} is spot on", "don't mess with the {x}", "leave the {x} be",
        "keep the {x} where it is", "keep the {x} unchanged", "the {x} stays", "the {x} can stay",
        "retain the {x}", "maintain the {x}", "no changes to the {x}", "hands off the {x}",
        "don't alter the {x}", "the {x} is good as is", "happy with the {x}",
        "keep the {x} intact", "leave {x} alone", "don't adjust the {x}", "the {x} works for me",
    ),
    ("OPPOSE", "bare"): (
        "nah {x}", "{x} honestly", "{x} tbh", "way {x}", "yeah {x}",
    ),
    ("REMOVE", "bare"): (
        "just {x}", "nah {x}", "{x} actually", "{x} thanks", "yeah {x}", "actually {x}",
    ),
}
