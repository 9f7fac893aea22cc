"""What people ask a photo editor for, and how many ways they say it.

An :class:`Intent` is one *property* of a photo a person can talk about ("warm", "dark shadows",
"the look of an old photo") with the tool values that give more of it at the default degree, and
the words for it in each grammatical slot the frames (:mod:`.frames`) need:

* ``cmp``: comparatives that read after "make it" ("warmer", "more golden");
* ``verb``: imperative phrases ("warm it up", "lift the shadows");
* ``adj``: predicates that read after "it looks" / "too" / "not so" ("warm", "orange");
* ``noun``: nouns that read after "more" / "reduce the" / "remove the" ("warmth");
* ``full``: whole requests that take no frame ("like an old photo"), polarity WANT;
* ``complaint``: whole complaints about having too much of the property ("the sky is blown out"),
  polarity OPPOSE.

Held-out split: every fourth entry of every list (index % 4 == 3) is reserved for evaluation and
never generated for training, and so is every fourth frame; the evaluation reads instructions
built only from held-out words in held-out frames, so its accuracy measures wording the heads
have never seen, not new random draws of seen sentences. ``"auto"`` as a value means the photo
decides the direction and amount ("fix the exposure").
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Intent:
    name: str
    values: dict[str, int | str]
    cmp: tuple[str, ...] = ()
    verb: tuple[str, ...] = ()
    adj: tuple[str, ...] = ()
    noun: tuple[str, ...] = ()
    full: tuple[str, ...] = ()
    complaint: tuple[str, ...] = ()
    effect: bool = False  # an effect one adds (vignette, grain, fade): "no X" means leave at 0
    fixed: bool = False  # magnitude does not scale with degree words (black and white)
    tags: tuple[str, ...] = field(default=())


def _t(*items: str) -> tuple[str, ...]:
    return tuple(items)


INTENTS: tuple[Intent, ...] = (
    # ---------------------------------------------------------------- light
    Intent("bright", {"exposure": 30},
           cmp=_t("brighter", "lighter", "more luminous", "more exposed", "brighter overall",
                  "lighter overall", "sunnier looking", "brighter and lighter",
                  "better lit", "more well lit", "lighter in tone"),
           verb=_t("brighten it", "brighten it up", "lighten it", "light it up", "expose it more",
                   "open up the exposure", "brighten the whole photo", "lighten the image",
                   "brighten the picture", "give it more light", "lighten it up",
                   "let more light in", "brighten everything", "overexpose it slightly",
                   "brighten up the photo", "make the exposure brighter"),
           adj=_t("bright", "light", "overexposed", "blown out", "glaring",
                  "washed with light", "bright overall", "blindingly bright", "overlit",
                  "over exposed", "light overall"),
           noun=_t("brightness", "exposure", "light", "luminosity", "overall brightness",
                   "lightness", "exposure level", "brightness level"),
           complaint=_t("it's overexposed", "everything is blown out", "it's way too bright",
                        "i can barely see anything it's so bright", "the whole thing is blown",
                        "it burns my eyes", "the photo is too light", "it's glowing white",
                        "the exposure is too high", "overexposed shot")),
    Intent("dark", {"exposure": -30},
           cmp=_t("darker", "dimmer", "darker overall", "deeper in tone",
                  "more shadowy", "lower key", "dimmer overall", "darker and deeper",
                  "more dim", "more low-key"),
           verb=_t("darken it", "darken it down", "darken the whole photo", "dim it",
                   "dim it down", "underexpose it", "darken the image", "knock the exposure down",
                   "bring the exposure down", "take it darker", "darken everything",
                   "pull the exposure down", "dim the picture", "make the exposure darker"),
           adj=_t("dark", "dim", "underexposed", "murky", "dark overall",
                  "under exposed", "dingy", "shadowy", "dark as night", "pitch dark", "dull and dark"),
           noun=_t("darkness", "dimness", "shadowiness", "gloom"),
           complaint=_t("it's underexposed", "i can't see anything", "it's way too dark",
                        "everything is in shadow", "the photo is too dark to see",
                        "the exposure is too low", "it's like a cave", "it's so dark",
                        "nothing is visible", "underexposed shot", "it came out dark")),
    # ---------------------------------------------------------------- white balance
    Intent("warm", {"temperature": 30},
           cmp=_t("warmer", "more golden", "more orange", "more amber", "more yellow", "sunnier",
                  "toastier", "warmer toned", "cosier", "more sunset-like", "warmer in tone",
                  "more golden hour", "balmier", "more honey toned", "warmer colored", "hotter"),
           verb=_t("warm it up", "warm up the colors", "warm up the tones", "give it a golden glow",
                   "add a warm tint", "make the light golden", "warm the white balance",
                   "shift the white balance warmer", "heat it up a little", "warm up the light",
                   "push the temperature up", "give it warm tones", "warm the image",
                   "make the tones warmer", "give it sunshine warmth", "warm everything up"),
           adj=_t("warm", "orange", "yellow", "golden", "yellowish", "orangey", "amber", "hot",
                  "orangish", "warm toned", "yellowy", "tungsten colored", "sepia toned",
                  "honey colored", "brassy"),
           noun=_t("warmth", "yellow", "orange", "golden tone", "warm tone", "yellow cast",
                   "orange cast", "warm cast", "yellowness", "heat", "amber tone",
                   "orange tint"),
           complaint=_t("it looks like tungsten light", "everything is orange",
                        "the skin looks orange", "the whites look yellow", "it's so yellow",
                        "the color is too warm", "it has a yellow cast", "the white balance is too warm",
                        "it looks like it was shot under a lamp", "too much orange in it")),
    Intent("cool", {"temperature": -30},
           cmp=_t("cooler", "colder", "bluer", "more blue", "icier", "chillier", "more wintry",
                  "cooler toned", "frostier", "more icy", "cooler in tone", "colder toned",
                  "more steely", "more arctic"),
           verb=_t("cool it down", "cool it off", "cool down the tones", "cool the colors",
                   "give it a blue tint", "cool the white balance", "shift the white balance cooler",
                   "chill the tones", "add a cool tint", "push the temperature down",
                   "give it cold tones", "cool the image", "make the tones cooler",
                   "cool everything down"),
           adj=_t("cool", "cold", "blue", "bluish", "icy", "chilly", "blue toned", "frosty",
                  "steely", "cool toned", "bluey", "wintry"),
           noun=_t("coolness", "blue", "blue tint", "chill", "blue cast", "cold tone",
                   "cool tone", "blueness", "coldness", "blue tone"),
           complaint=_t("everything looks blue", "the skin looks blue", "it has a blue cast",
                        "the white balance is too cold", "it looks frozen", "it's so blue",
                        "the whites look blue", "it feels icy cold", "too much blue in it")),
    Intent("green", {"tint": 25},
           cmp=_t("greener", "more green", "more green tinted", "more olive", "greener toned",
                  "more minty", "more lime", "more green in tone"),
           verb=_t("shift the tint to green", "push the tint toward green", "add a green tint",
                   "tint it green", "move the tint toward green", "give it a green cast",
                   "shift it toward green", "push it greener"),
           adj=_t("green", "greenish", "sickly green", "green tinted", "olive", "greeny",
                  "green tinged", "minty"),
           noun=_t("green", "green tint", "green cast", "greenness", "green tone", "olive tint"),
           complaint=_t("the skin looks green", "it has a green cast", "everything looks sickly",
                        "it looks like fluorescent light", "the whites look green",
                        "there's a green tinge", "too much green in the tint",
                        "it has that fluorescent green look")),
    Intent("magenta", {"tint": -25},
           cmp=_t("more magenta", "pinker", "more pink", "more purple", "more magenta tinted",
                  "rosier", "more fuchsia", "more pink toned"),
           verb=_t("shift the tint to magenta", "push the tint toward magenta",
                   "add a magenta tint", "tint it pink", "move the tint toward magenta",
                   "give it a pink cast", "shift it toward magenta", "push it pinker"),
           adj=_t("magenta", "pink", "pinkish", "purple", "purplish", "magenta tinted",
                  "rosy", "pink tinged"),
           noun=_t("magenta", "pink", "magenta cast", "pink tint", "purple cast",
                   "magenta tint", "pinkness", "purple tint"),
           complaint=_t("the skin looks purple", "it has a magenta cast", "everything is pink",
                        "the whites look pink", "there's a purple tinge",
                        "too much magenta in the tint", "it has a weird pink tint",
                        "the sky looks purple")),
    # ---------------------------------------------------------------- contrast and clarity
    Intent("contrasty", {"contrast": 30},
           cmp=_t("more contrasty", "higher contrast", "punchier", "more contrast-y",
                  "contrastier", "bolder in contrast", "more dynamic", "harder",
                  "stronger in contrast", "more graphic", "snappier", "more crisp in tone"),
           verb=_t("crank the contrast", "pump the contrast", "punch it up", "deepen the contrast",
                   "give it some punch", "add contrast", "heighten the contrast",
                   "strengthen the contrast", "make the contrast stronger", "boost contrast",
                   "add some snap", "make it snap", "contrast it up", "harden the contrast"),
           adj=_t("contrasty", "harsh", "high contrast", "punchy", "hard", "harsh looking",
                  "stark", "high-contrast", "crunchy", "severe", "hard-edged"),
           noun=_t("contrast", "punch", "snap", "tonal contrast", "overall contrast",
                   "harshness", "contrast level", "starkness"),
           complaint=_t("the contrast is too strong", "it looks too harsh", "the contrast is overdone",
                        "the shadows and highlights are too extreme", "it's too stark",
                        "it looks overprocessed", "it's way too punchy", "the contrast hurts")),
    Intent("flat", {"contrast": -30},
           cmp=_t("flatter", "softer in contrast",
                  "gentler", "more even", "more subtle in tone", "lower in contrast",
                  "milder", "gentler in contrast", "more low contrast", "flatter in tone"),
           verb=_t("flatten the contrast", "soften the contrast", "flatten it", "even out the tones",
                   "make the contrast gentler", "ease the contrast",
                   "relax the contrast", "make the contrast softer", "soften the tones",
                   "compress the tones", "flatten the tones"),
           adj=_t("flat", "low contrast", "muddy", "low-contrast", "grey and flat", "dull in tone",
                  "lacking contrast", "murky grey", "soft contrast", "washed flat", "toneless",
                  "without contrast"),
           noun=_t("flatness", "softness of contrast", "mud", "muddiness", "low contrast"),
           complaint=_t("it has no contrast", "it looks flat", "there's no punch",
                        "the contrast is too weak", "it looks muddy", "it's all grey",
                        "everything is the same grey", "there's no depth to it",
                        "it lacks contrast", "it looks like a foggy mess", "it has no punch")),
    Intent("clarity", {"natural_contrast": 30},
           cmp=_t("more detailed", "more defined", "grittier", "more textured",
                  "crisper in detail", "more structured", "clearer", "more three-dimensional",
                  "more detailed looking", "more chiseled"),
           verb=_t("bring out the texture", "bring out the details", "make the details pop",
                   "add clarity", "enhance the texture", "boost the clarity", "define the edges",
                   "bring out the structure", "increase local contrast", "add texture",
                   "enhance the details", "bring out the fine detail"),
           adj=_t("detailed", "gritty", "textured", "defined", "structured", "chiseled",
                  "clear", "crunchy in texture", "overly detailed", "crispy", "hard looking",
                  "sharp in texture"),
           noun=_t("clarity", "texture", "local contrast", "definition", "detail", "structure",
                   "microcontrast", "grit", "fine detail", "details"),
           complaint=_t("the texture is too strong", "it looks crunchy",
                        "the clarity is overdone", "the skin looks too textured",
                        "it looks overly gritty", "there's too much detail in the skin")),
    Intent("soft", {"natural_contrast": -30},
           cmp=_t("softer", "smoother", "more glowy", "softer looking", "silkier",
                  "gentler in texture", "more diffused", "smoother looking", "mistier"),
           verb=_t("soften it", "soften the texture", "smooth the skin", "give it a soft glow",
                   "smooth it out", "soften the details", "add a soft glow", "diffuse it",
                   "smooth the texture", "soften the look", "add an orton glow", "soften the skin"),
           adj=_t("soft", "smooth", "glowy", "hazy", "milky soft", "diffused", "misty", "foggy",
                  "soft looking", "silky", "veiled", "smeary"),
           noun=_t("softness", "glow", "haze", "smoothness", "diffusion", "mist", "fog", "softening"),
           complaint=_t("it looks hazy", "it's foggy", "there's haze everywhere", "it looks milky",
                        "it looks like there's fog", "everything looks soft and mushy",
                        "it's too smooth", "it looks plastic")),
    Intent("sharp", {"sharpness": 35},
           cmp=_t("sharper", "crisper", "more in focus", "more focused", "crisper looking",
                  "sharper looking", "tack sharp", "more crisp", "better focused", "keener"),
           verb=_t("sharpen it", "sharpen it up", "sharpen the details", "focus it", "crisp it up",
                   "add sharpening", "sharpen the edges", "make the edges crisper",
                   "give it some bite", "sharpen the image", "sharpen the photo",
                   "add some crispness"),
           adj=_t("sharp", "crisp", "oversharpened", "oversharp", "razor sharp", "crunchy sharp",
                  "edgy", "over sharpened"),
           noun=_t("sharpness", "sharpening", "crispness", "bite", "acutance", "edge sharpness"),
           complaint=_t("it's oversharpened", "there are halos from sharpening",
                        "the sharpening is overdone", "the edges look crunchy",
                        "it looks digital and oversharpened", "the sharpening is too harsh")),
    Intent("blur", {"sharpness": -35},
           cmp=_t("blurrier", "more blurred", "softer focus", "fuzzier",
                  "more out of focus", "dreamier in focus", "more defocused"),
           verb=_t("blur it", "blur it a bit", "defocus it", "blur the image", "soften the focus",
                   "add some blur", "blur the details", "take the edge off"),
           adj=_t("blurry", "blurred", "out of focus", "fuzzy", "soft focus", "unsharp",
                  "smudgy", "defocused"),
           noun=_t("blur", "fuzziness", "blurriness", "softness of focus", "defocus", "blurring"),
           complaint=_t("it's blurry", "it's out of focus", "it looks soft and blurry",
                        "nothing is sharp", "it's fuzzy", "the details are mushy",
                        "it looks out of focus", "the focus is soft")),
    # ---------------------------------------------------------------- colour
    Intent("saturated", {"saturation": 30},
           cmp=_t("more saturated", "more colorful", "richer", "bolder in color",
                  "more intense in color", "richer in color", "more color",
                  "deeper in color", "more chromatic", "juicier", "stronger in color",
                  "more technicolor"),
           verb=_t("saturate it", "saturate the colors", "intensify the colors", "juice up the colors",
                   "boost the colors", "enrich the colors", "deepen the colors",
                   "pump up the colors", "amp up the colors", "strengthen the colors",
                   "color it up", "make the colors stronger"),
           adj=_t("saturated", "oversaturated", "colorful", "garish", "loud", "over saturated",
                  "cartoonish", "neon", "gaudy", "color saturated", "radioactive"),
           noun=_t("saturation", "color", "color intensity", "color saturation", "richness",
                   "colorfulness", "chroma", "intensity of color"),
           complaint=_t("the colors are too strong", "it looks oversaturated",
                        "the colors are garish", "the colors are radioactive",
                        "the colors hurt my eyes", "it looks like a cartoon",
                        "the colors are way too much", "the saturation is overdone")),
    Intent("vivid", {"vibrance": 30, "saturation": 10},
           cmp=_t("more vivid", "more vibrant", "livelier", "punchier in color", "more alive",
                  "more lively", "brighter in color", "more vibrant looking", "zingier",
                  "fresher", "more colorful but natural", "more energetic"),
           verb=_t("make the colors sing", "liven up the colors", "bring the colors to life",
                   "make the colors pop", "add vibrance", "boost the vibrance", "energize the colors",
                   "wake up the colors", "enliven it", "bring out the colors",
                   "freshen up the colors", "make the colors richer but natural"),
           adj=_t("vivid", "vibrant", "lively", "alive", "zingy", "bright colored", "electric",
                  "fresh"),
           noun=_t("vibrance", "vibrancy", "vividness", "liveliness", "color vibrance", "life in the colors"),
           complaint=_t("the colors look unnatural", "the colors are too vivid",
                        "the vibrance is overdone", "it looks too vibrant to be real")),
    Intent("muted", {"saturation": -30},
           cmp=_t("more muted", "more subdued", "paler", "more desaturated", "more pastel",
                  "softer in color", "more understated", "more neutral in color",
                  "quieter in color", "earthier"),
           verb=_t("desaturate it", "mute the colors", "drain some color", "wash out the colors",
                   "calm the colors", "subdue the colors", "desaturate the colors",
                   "pull some color out", "quiet the colors", "soften the colors",
                   "bleach the colors", "make the colors more muted"),
           adj=_t("muted", "desaturated", "pale", "pastel", "subdued", "colorless looking",
                  "washed out in color", "undersaturated", "faded in color", "bleached",
                  "greyish", "drained"),
           noun=_t("muted tones", "pastel tones", "desaturation", "paleness", "muted colors",
                   "subdued colors", "pastel colors", "earth tones"),
           complaint=_t("the colors look washed out", "there's no color", "the colors are dead",
                        "the colors are too weak", "everything looks grey",
                        "the colors are lifeless", "the colors look faded",
                        "the colors are pale and sad")),
    Intent("bw", {"saturation": -100}, fixed=True,
           cmp=_t("black and white", "monochrome", "greyscale", "grayscale", "mono",
                  "black-and-white", "colorless", "monochromatic"),
           verb=_t("make it black and white", "convert it to black and white", "turn it monochrome",
                   "remove all color", "go black and white", "convert to greyscale",
                   "drop all the color", "turn it grey", "make it mono", "take all the color out", "turn it black and white"),
           adj=_t("black and white", "monochrome", "grey", "colorless", "greyscale", "mono",
                  "noir", "monochromatic"),
           noun=_t("black and white", "monochrome", "black and white conversion", "greyscale",
                   "noir look", "mono look", "monochrome look", "black and white look"),
           full=_t("black and white please", "in black and white", "black and white version",
                   "as a black and white", "noir style", "classic black and white",
                   "b&w", "mono version")),
    # ---------------------------------------------------------------- tone regions
    Intent("lift_shadows", {"shadows": 35},
           cmp=_t("brighter shadows", "lighter shadows", "more open shadows",
                  "more shadow detail", "softer shadows", "airier shadows",
                  "more visible shadows"),
           verb=_t("lift the shadows", "open up the shadows", "recover the shadows",
                   "bring up the shadows", "brighten the shadows", "show more detail in the dark areas",
                   "pull detail out of the shadows", "raise the shadows", "lighten the shadows",
                   "boost the shadows", "fill in the shadows", "brighten the dark parts",
                   "lift the dark areas", "open the shadows up", "bring out the shadow detail",
                   "lighten the dark areas"),
           adj=_t("light in the shadows", "bright in the shadows", "open in the shadows",
                  "washed out in the shadows"),
           noun=_t("shadow detail", "shadow brightness", "fill light", "shadow recovery",
                   "detail in the shadows", "light in the shadows"),
           full=_t("shadows up", "lifted shadows", "more detail in the shadows",
                   "i want to see into the shadows", "shadows brighter"),
           complaint=_t("the shadows look washed out", "the shadows are too bright",
                        "the shadows are too lifted", "the dark areas look grey")),
    Intent("deep_shadows", {"shadows": -35},
           cmp=_t("deeper shadows", "darker shadows", "richer shadows", "denser shadows",
                  "inkier shadows", "heavier shadows", "moodier shadows", "more solid shadows"),
           verb=_t("deepen the shadows", "darken the shadows", "crush the shadows",
                   "push the shadows down", "bring down the shadows",
                   "darken the dark areas", "make the shadows darker", "deepen the dark parts",
                   "sink the shadows", "make the shadows richer", "weigh down the shadows"),
           adj=_t("dark in the shadows", "crushed in the shadows", "heavy in the shadows",
                  "blocked up in the shadows"),
           noun=_t("shadow depth", "shadow density", "depth in the shadows", "deep shadows"),
           full=_t("shadows down", "crushed shadows", "deeper darks", "shadows darker"),
           complaint=_t("the shadows are too dark", "the shadows are crushed",
                        "the shadows are way too deep", "i can't see into the shadows",
                        "the dark parts are too dark", "the shadows are blocked up",
                        "there's no detail in the shadows", "the shadows are black holes",
                        "the faces are in shadow", "the shadow areas are too dark")),
    Intent("recover_highlights", {"highlights": -35},
           cmp=_t("darker highlights", "softer highlights", "gentler highlights",
                  "more detailed highlights", "calmer highlights",
                  "tamer highlights", "dimmer highlights"),
           verb=_t("recover the highlights", "tame the highlights", "pull back the highlights",
                   "bring down the highlights", "save the sky", "darken the highlights",
                   "rescue the blown highlights",
                   "recover the sky", "bring back detail in the sky", "darken the bright parts", "hold back the highlights",
                   "bring the highlights down", "recover detail in the bright areas"),
           adj=_t("dim in the highlights", "dark in the highlights", "dull in the highlights",
                  "grey in the highlights"),
           noun=_t("highlight recovery", "highlight detail", "detail in the sky",
                   "sky detail", "detail in the highlights", "highlight protection"),
           full=_t("highlights down", "recovered highlights", "more detail in the sky",
                   "highlights darker"),
           complaint=_t("the highlights look grey", "the highlights are dull",
                        "the bright areas look muddy", "the highlights are too dark")),
    Intent("boost_highlights", {"highlights": 35},
           cmp=_t("brighter highlights", "glowier highlights", "more luminous highlights",
                  "lighter highlights", "shinier highlights", "more radiant highlights",
                  "stronger highlights", "punchier highlights"),
           verb=_t("brighten the highlights", "boost the highlights", "make the highlights glow",
                   "raise the highlights", "lift the highlights", "brighten the bright areas",
                   "make the highlights shine", "push the highlights up", "lighten the highlights",
                   "make the bright parts brighter", "add glow to the highlights",
                   "light up the highlights"),
           adj=_t("bright in the highlights", "glowing in the highlights", "blown in the highlights",
                  "hot in the highlights"),
           noun=_t("highlight brightness", "highlight glow", "glow in the highlights",
                   "brightness in the highlights"),
           full=_t("highlights up", "glowing highlights", "highlights brighter", "shiny highlights"),
           complaint=_t("the highlights are blown", "the sky is blown out",
                        "the highlights are too bright", "the bright parts are too bright",
                        "the highlights are clipped", "the sky is white",
                        "the clouds have no detail", "the window is blown out",
                        "the highlights are burnt out", "the bright spots are overexposed")),
    Intent("bright_whites", {"whites": 30},
           cmp=_t("brighter whites", "whiter whites", "cleaner whites", "crisper whites",
                  "purer whites", "more brilliant whites", "snappier whites", "cleaner white point"),
           verb=_t("make the whites whiter", "make the whites pop", "brighten the whites",
                   "boost the whites", "push the whites up", "raise the white point",
                   "lift the whites", "clean up the whites", "set a brighter white point",
                   "make the whites brighter", "lighten the whites", "brighten the white point"),
           adj=_t("bright in the whites", "clean in the whites", "blown in the whites",
                  "glaring in the whites"),
           noun=_t("white point", "brightness of the whites", "whites brightness", "white level"),
           full=_t("whites up", "brighter white point", "whites brighter"),
           complaint=_t("the whites are blown", "the whites are too bright", "the whites are clipping",
                        "the whites are glaring", "the white areas are burning out")),
    Intent("dull_whites", {"whites": -30},
           cmp=_t("duller whites", "greyer whites", "softer whites", "dimmer whites",
                  "lower whites", "gentler whites", "calmer whites"),
           verb=_t("bring down the whites",
                   "pull the whites down", "dim the whites", "soften the whites", "darken the whites",
                   "knock the whites down", "take the whites down", "mute the whites"),
           adj=_t("dull in the whites", "grey in the whites", "dingy in the whites",
                  "muddy in the whites"),
           noun=_t("white dullness", "dim whites", "muted whites"),
           full=_t("whites down", "softer white point", "whites lower"),
           complaint=_t("the whites look grey", "the whites are dull", "the whites look dingy",
                        "the whites are muddy", "the whites aren't white", "the white point is too low")),
    Intent("deep_blacks", {"blacks": -30},
           cmp=_t("deeper blacks", "richer blacks", "darker blacks", "inkier blacks",
                  "denser blacks", "purer blacks", "truer blacks", "stronger blacks"),
           verb=_t("crush the blacks", "make the blacks darker", "deepen the blacks",
                   "darken the blacks", "push the blacks down",
                   "set a deeper black point", "anchor the blacks", "make the blacks richer",
                   "sink the blacks", "bring the blacks down", "make the blacks true black"),
           adj=_t("deep in the blacks", "crushed in the blacks", "inky in the blacks",
                  "heavy in the blacks"),
           noun=_t("black depth", "black density", "depth in the blacks", "rich blacks",
                   "deep blacks", "inky blacks"),
           full=_t("blacks down", "true blacks", "real blacks", "blacks darker"),
           complaint=_t("the blacks are crushed", "the blacks are too deep",
                        "the blacks are too heavy", "the blacks are clipping",
                        "the blacks are blocked up", "the darkest areas are pure black")),
    Intent("lift_blacks", {"blacks": 30},
           cmp=_t("lighter blacks", "softer blacks", "greyer blacks", "milkier blacks",
                  "more matte blacks", "lifted blacks", "faded blacks", "gentler blacks"),
           verb=_t("lift the blacks", "raise the black point", "lighten the blacks",
                   "soften the blacks", "fade the blacks", "bring up the blacks",
                   "open up the blacks", "brighten the blacks", "push the blacks up",
                   "matte the blacks", "wash out the blacks", "raise the blacks"),
           adj=_t("light in the blacks", "milky in the blacks", "grey in the blacks",
                  "matte in the blacks"),
           noun=_t("black lift", "matte blacks", "lifted blacks", "black point lift"),
           full=_t("blacks up", "matte blacks please", "blacks lighter", "faded black point"),
           complaint=_t("the blacks look grey", "the blacks are washed out",
                        "the blacks are milky", "the blacks are too light",
                        "there are no real blacks", "the blacks look faded",
                        "the darkest parts look grey", "the black point is too high")),
    # ---------------------------------------------------------------- effects
    Intent("vignette", {"vignette": -35}, effect=True,
           cmp=_t("darker at the corners", "darker at the edges", "more vignetted",
                  "darker around the edges", "more framed", "heavier at the edges",
                  "darker in the corners", "more tunnel-like"),
           verb=_t("add a vignette", "darken the corners", "darken the edges", "vignette it",
                   "frame it with a vignette", "burn the edges", "burn the corners",
                   "put a vignette on it", "draw the eye in with a vignette", "shade the corners",
                   "darken around the edges", "give it a vignette", "add some vignetting",
                   "darken the borders", "pull the eye to the center", "apply a vignette"),
           adj=_t("vignetted", "dark in the corners", "dark at the edges", "dark around the edges",
                  "shaded at the corners", "tunnel-like", "dark cornered", "heavy at the edges"),
           noun=_t("vignette", "vignetting", "dark corners", "dark edges", "edge darkening",
                   "corner shading", "vignette effect", "dark vignette", "darkened corners",
                   "edge burn", "corner darkening", "dark border"),
           complaint=_t("the corners are too dark", "the edges are dark", "there's vignetting",
                        "the corners look dirty", "the vignette is too strong",
                        "the edges look burnt", "the vignette is overdone",
                        "it looks like a tunnel")),
    Intent("light_corners", {"vignette": 35},
           cmp=_t("lighter at the corners", "brighter at the edges", "lighter at the edges",
                  "brighter in the corners", "lighter around the edges", "brighter around the edges",
                  "airier at the edges", "whiter at the corners"),
           verb=_t("lighten the corners", "brighten the corners", "brighten the edges",
                   "lighten the edges", "add a white vignette", "brighten around the edges",
                   "remove the lens vignetting", "fix the dark corners", "lift the corners",
                   "open up the corners", "lighten the borders", "add a light vignette"),
           adj=_t("light in the corners", "bright at the edges", "light at the edges",
                  "bright in the corners", "white at the corners", "pale at the edges",
                  "light around the edges", "washed at the edges"),
           noun=_t("white vignette", "light corners", "bright corners", "light vignette",
                   "bright edges", "lighter corners", "corner brightening", "edge lightening"),
           complaint=_t("the corners are too bright", "the edges look washed out",
                        "the white vignette is too strong", "the corners look foggy")),
    Intent("fade", {"fade": 35, "contrast": -10}, effect=True,
           cmp=_t("more faded", "more matte", "more washed out", "more filmic", "milkier",
                  "more matte looking", "more faded looking", "flatter and faded"),
           verb=_t("fade it", "give it a matte finish", "add a matte fade", "fade the blacks slightly",
                   "give it a faded film look", "wash it out", "give it a matte look",
                   "add a fade", "matte it", "make it look faded", "give it a washed out look",
                   "add a film fade", "fade the image", "give it a faded look", "add matte"),
           adj=_t("faded", "matte", "washed out", "washed-out", "milky", "filmic", "chalky",
                  "matte looking", "hazy faded", "pale and faded", "flat and faded", "bleached out"),
           noun=_t("fade", "matte", "matte effect", "fade effect", "film fade", "matte finish",
                   "faded look", "wash", "matte look", "haziness"),
           full=_t("matte look", "faded film look", "the faded look", "matte style", "faded style"),
           complaint=_t("it looks washed out", "it looks too faded", "everything looks milky",
                        "it looks like it's behind a veil", "the fade is too strong",
                        "it looks chalky", "it looks like a washed out print")),
    Intent("grain", {"grain": 30}, effect=True,
           cmp=_t("grainier", "noisier", "more grainy", "more filmic in texture", "rougher",
                  "more film-like", "more textured like film", "grittier like film"),
           verb=_t("add grain", "add film grain", "add some noise", "give it grain",
                   "give it a film grain texture", "sprinkle some grain", "add noise",
                   "roughen it up with grain", "put grain on it", "add texture like film",
                   "give it a grainy texture", "grain it up"),
           adj=_t("grainy", "noisy", "speckled", "gritty like film", "rough", "sandy",
                  "grainy like film", "speckly"),
           noun=_t("grain", "film grain", "noise", "graininess", "grain effect", "texture grain",
                   "grit", "noise texture", "speckle", "film noise"),
           complaint=_t("it's too noisy", "there's too much noise", "it looks grainy",
                        "it's full of noise", "the grain is too strong", "it looks speckled",
                        "the noise is distracting", "the image is noisy")),
    # ---------------------------------------------------------------- looks
    Intent("pop", {"contrast": 20, "vibrance": 30, "natural_contrast": 20, "saturation": 10},
           cmp=_t("more striking", "more impactful", "more eye-catching", "more punchy overall",
                  "more exciting", "more dynamic looking", "bolder", "more stunning",
                  "more dramatic in color", "more wow"),
           verb=_t("make it pop", "give it some pop", "make it stand out", "give it more impact",
                   "make it jump off the screen", "add some wow", "make it more striking",
                   "give it some oomph", "spice it up", "jazz it up", "make it eye-catching",
                   "make it leap out", "add some zing", "make it stunning", "give it life",
                   "bring it to life"),
           adj=_t("punchy overall", "striking", "poppy", "eye-catching", "impactful", "bold",
                  "stunning", "exciting"),
           noun=_t("pop", "impact", "oomph", "zing", "wow factor", "punchiness"),
           full=_t("more pop", "pop", "instagram ready", "make it popping", "really pop",
                   "extra pop"),
           complaint=_t("it's overcooked", "it looks overprocessed and loud", "too much pop",
                        "it's too in your face")),
    Intent("lifeless", {"contrast": -20, "vibrance": -25, "saturation": -10, "natural_contrast": -15},
           cmp=_t("duller", "more lifeless", "more bland", "plainer", "more boring",
                  "more lackluster", "drabber", "flatter and duller"),
           verb=_t("make it plainer", "dull it down", "make it understated",
                   "calm it all down", "quiet it down", "make it more restrained", ),
           adj=_t("dull", "lifeless", "boring", "bland", "lackluster", "drab", "dead", "flat and dull",
                  "uninspiring", "blah", "meh", "lacklustre"),
           noun=_t("dullness", "drabness", "blandness", "lifelessness"),
           complaint=_t("it has no life", "it looks boring", "it's so bland", "it looks dead",
                        "there's no life in it", "it looks dull", "it looks meh",
                        "it doesn't pop", "it's lifeless")),
    Intent("moody", {"exposure": -15, "contrast": 20, "saturation": -20, "vignette": -25,
                     "shadows": -15},
           cmp=_t("moodier", "darker and moodier", "more atmospheric", "gloomier", "more brooding",
                  "more somber", "more mysterious", "broodier"),
           verb=_t("give it a moody feel", "add some mood", "make it feel dark and moody",
                   "give it atmosphere", "add atmosphere", "give it a brooding look",
                   "make it gloomy", "set a moody tone", "make it feel mysterious",
                   "darken the mood", "create a moody atmosphere", "give it a somber mood"),
           adj=_t("moody", "brooding", "atmospheric", "dark and moody", "gloomy", "somber",
                  "mysterious", "melancholic", "sombre", "dramatic and dark", "noir-ish",
                  "stormy"),
           noun=_t("mood", "atmosphere", "moodiness", "gloom and mood", "drama and mood",
                   "darkness and mood"),
           full=_t("moody look", "moody vibes", "moody style", "dark moody edit", "moody edit",
                   "dark and moody please", "moody film look", "brooding atmosphere"),
           complaint=_t("it's too moody", "it's too gloomy", "it feels depressing",
                        "it looks too dark and sad", "it's too somber")),
    Intent("dramatic", {"contrast": 35, "natural_contrast": 25, "vignette": -20,
                        "highlights": -15},
           cmp=_t("more dramatic", "more intense", "more epic", "more cinematic in contrast",
                  "more powerful", "grander", "more theatrical", "more gritty and intense"),
           verb=_t("add drama", "make it dramatic", "give it drama", "make it epic",
                   "dramatize it", "intensify the scene", "make the sky dramatic",
                   "add some intensity", "give it an epic look", "make it feel powerful"),
           adj=_t("dramatic", "intense", "epic", "theatrical", "powerful", "bold and dramatic",
                  "gritty and dramatic", "heavy"),
           noun=_t("drama", "intensity", "epicness", "impact and drama"),
           full=_t("dramatic look", "epic sky", "dramatic sky", "dramatic edit", "hdr-ish drama",
                   "dramatic style"),
           complaint=_t("it's too dramatic", "it looks overdone and dramatic", "the drama is overdone",
                        "it's too intense")),
    Intent("vintage", {"fade": 40, "grain": 25, "temperature": 20, "saturation": -25,
                       "contrast": -10, "vignette": -20},
           cmp=_t("more vintage", "more retro", "older looking", "more nostalgic", "more aged",
                  "more old-school", "more analog", "more film-like and old"),
           verb=_t("make it look like an old photo", "make it look vintage", "age it",
                   "give it a vintage look", "make it retro", "give it an old film look",
                   "make it look like film from the 70s", "give it a retro feel",
                   "make it look old", "give it a nostalgic feel", "give it an analog look",
                   "make it look like a faded polaroid"),
           adj=_t("vintage", "retro", "old", "aged", "nostalgic", "old-school", "analog",
                  "antique", "like an old photo", "seventies", "old fashioned", "timeworn"),
           noun=_t("vintage look", "retro look", "old film look", "film look", "analog feel",
                   "nostalgia", "polaroid look", "vintage effect", "retro vibe", "seventies feel"),
           full=_t("like an old photo", "like a faded polaroid", "like film from the 70s",
                   "old film look", "vintage style", "like my grandparents' photos",
                   "like an old postcard", "70s film", "retro film vibes",
                   "like it was shot on film decades ago", "old photograph look",
                   "like a vintage print"),
           complaint=_t("it looks too old", "it looks dated", "it looks too vintage",
                        "the retro effect is too much")),
    Intent("airy", {"exposure": 25, "shadows": 25, "contrast": -15, "saturation": -10},
           cmp=_t("airier", "lighter and airier", "more airy", "brighter and softer", "more ethereal",
                  "fresher and lighter", "more breezy", "more pastel and bright"),
           verb=_t("make it bright and airy", "give it an airy feel", "lighten and soften it",
                   "give it a light and airy look", "make it feel light", "make it feel fresh and bright",
                   "give it an ethereal feel", "open it up and soften it"),
           adj=_t("bright and airy", "airy", "light and airy", "ethereal", "breezy", "soft and bright",
                  "fresh and light", "clean and bright"),
           noun=_t("airiness", "airy feel", "lightness and air", "ethereal glow"),
           full=_t("bright and airy look", "light and airy style", "airy wedding look",
                   "bright airy edit", "airy pastel look"),
           complaint=_t("it's too airy", "it looks too washed and bright",
                        "it's too light and soft")),
    Intent("dreamy", {"natural_contrast": -25, "highlights": 15, "fade": 15, "exposure": 10},
           cmp=_t("dreamier", "more dreamlike", "more magical", "more romantic", "more fairytale",
                  "more surreal", "more whimsical", "hazier and softer"),
           verb=_t("give it a dreamy look", "make it look like a dream", "add a dreamy glow",
                   "give it a romantic glow", "make it feel magical", "give it a fairytale feel",
                   "make it soft and dreamy", "add some magic"),
           adj=_t("dreamy", "dreamlike", "magical", "romantic", "ethereal and soft", "whimsical",
                  "fairytale", "soft and dreamy"),
           noun=_t("dreaminess", "dreamy glow", "romance", "magic", "dreamy haze"),
           full=_t("dreamy look", "dreamy style", "soft dreamy glow", "dreamy edit",
                   "wedding dreamy look"),
           complaint=_t("it's too dreamy", "it looks too soft and hazy", "the glow is overdone",
                        "it looks smeared")),
    Intent("hdr", {"shadows": 40, "highlights": -40, "natural_contrast": 35, "vibrance": 20},
           cmp=_t("more hdr", "more hdr-like", "more high dynamic range", "more detailed everywhere",
                  "more balanced in tone", "more tone mapped"),
           verb=_t("give it an hdr look", "make it look hdr", "tone map it", "balance the shadows and highlights",
                   "bring out detail everywhere", "even out the light", "recover both shadows and highlights",
                   "make it hdr"),
           adj=_t("hdr", "hdr-like", "tone mapped", "high dynamic range", "overprocessed hdr",
                  "hyperreal", "hyper detailed", "hdr style"),
           noun=_t("hdr", "hdr effect", "dynamic range", "tone mapping", "hdr look", "detail everywhere"),
           full=_t("hdr look", "hdr style", "hdr please", "more dynamic range", "hdr effect",
                   "real estate hdr look"),
           complaint=_t("it looks overcooked like hdr", "the hdr is too much",
                        "it has hdr halos", "it looks fake hdr")),
    Intent("golden_hour", {"temperature": 35, "vibrance": 15, "highlights": 10},
           cmp=_t("more golden hour", "more like sunset", "more sunset", "more like golden hour",
                  "more late afternoon", "more like evening sun", "more sundrenched", "more summery"),
           verb=_t("give it a golden hour look", "make it look like sunset", "add sunset warmth",
                   "give it evening light", "make it look like golden hour", "give it summer warmth",
                   "bathe it in golden light", "make it feel like summer"),
           adj=_t("golden hour", "sunset", "summery", "sunny", "sundrenched", "sun-kissed",
                  "balmy", "golden and warm"),
           noun=_t("golden hour", "sunset glow", "golden light", "evening glow", "sunlight",
                   "summer glow", "golden glow", "sun glow"),
           full=_t("golden hour look", "sunset vibes", "summer vibes", "golden hour glow",
                   "sunset look", "warm summer evening look")),
    Intent("cinematic", {"contrast": 20, "fade": 15, "saturation": -15, "vignette": -20,
                         "temperature": -10},
           cmp=_t("more cinematic", "more filmic", "more like a movie", "more like a film still",
                  "more hollywood", "more movie-like", "more blockbuster", "more like cinema"),
           verb=_t("make it cinematic", "give it a cinematic look", "make it look like a movie",
                   "give it a film still look", "grade it like a movie", "give it a hollywood look",
                   "make it look like a film", "color grade it like cinema"),
           adj=_t("cinematic", "filmic", "movie-like", "film still", "hollywood",
                  "blockbuster", "indie film", "cinema"),
           noun=_t("cinematic look", "movie look", "film grade", "cinematic grade", "cinema look",
                   "movie feel", "cinematic feel", "filmic grade"),
           full=_t("cinematic look", "movie look", "teal and orange", "film still vibe",
                   "cinematic grade", "like a movie scene", "like a netflix show",
                   "like a film still")),
    # ---------------------------------------------------------------- corrections from the photo
    Intent("auto_exposure", {"exposure": "auto"},
           full=_t("fix the exposure", "correct the exposure", "balance the exposure",
                   "fix the brightness", "get the exposure right", "proper exposure",
                   "expose it properly", "normalize the brightness", "auto exposure",
                   "adjust the exposure", "set the exposure right", "repair the exposure",
                   "correct the brightness", "even the exposure out", "fix the lighting",
                   "sort out the exposure", "exposure correction", "make the exposure correct",
                   "the exposure is off", "the exposure is wrong", "fix the light levels",
                   "auto brightness", "balance the brightness", "get the brightness right")),
    Intent("auto_wb", {"temperature": "auto", "tint": "auto"},
           full=_t("fix the white balance", "correct the white balance", "fix the color cast",
                   "remove the color cast", "neutralize the colors", "auto white balance",
                   "neutral white balance", "correct the colors", "fix the colors",
                   "make the colors natural", "balance the colors", "get the white balance right",
                   "the white balance is off", "the colors are off", "true to life colors",
                   "white balance correction", "color correct it", "neutralize the cast",
                   "the colors look wrong", "make whites neutral", "fix the wb",
                   "sort out the white balance", "set a neutral white balance",
                   "correct the color cast")),
    Intent("auto_contrast", {"contrast": "auto"},
           full=_t("fix the contrast", "correct the contrast", "balance the contrast",
                   "auto contrast", "get the contrast right", "adjust the contrast",
                   "normalize the contrast", "the contrast is off", "set the contrast right",
                   "sort out the contrast", "contrast correction", "repair the contrast")),
    Intent("auto_all", {"exposure": "auto", "contrast": "auto", "temperature": "auto",
                        "tint": "auto", "vibrance": 15},
           full=_t("enhance it", "auto enhance", "fix it", "make it look better", "improve it",
                   "make it look professional", "clean it up", "auto fix", "just fix it",
                   "make it nicer", "correct it", "make it look good", "enhance the photo",
                   "improve the photo", "fix this photo", "make it look right", "auto correct",
                   "give it a general fix", "polish it", "make it better", "touch it up",
                   "fix everything", "do a basic edit", "quick fix please")),
)

# Clauses that ask for nothing (polarity NONE): praise, filler, context.
NEUTRAL = _t(
    "perfect", "looks great", "i love it", "thanks", "nice", "ok", "that's good", "keep the rest",
    "for instagram", "it's a portrait of my dog", "hmm", "good job", "wow", "great work", "awesome",
    "this is my holiday photo", "that's it", "cool thanks", "fine", "alright", "good",
    "i took this yesterday", "it's for my portfolio", "this is a landscape", "love the composition",
    "the rest is fine", "otherwise good", "almost there", "yes", "nice one", "well done",
    "this is for print", "it's my grandma", "we're close", "that's better", "much better",
    "it's a beach photo", "that works", "looks fine otherwise", "so close", "lovely",
    "good start", "i like it", "sure", "it's a wedding shot", "brilliant", "spot on",
    "everything else is fine",
)

# Bare intensity feedback (refine): more / less of whatever changed last.
BARE_MORE = _t(
    "more", "stronger", "push it further", "go further", "even more", "amplify it", "intensify it",
    "more of that", "double it", "keep going", "go harder", "more please", "a bit more", "crank it",
    "turn it up", "increase it", "i want more", "more of the same", "stronger please",
    "not enough", "it's not enough", "go bigger", "push it", "boost it", "go stronger",
    "it's too subtle", "it's barely visible", "i can't see the difference", "more effect",
    "heavier", "crank it up", "louder",
)
BARE_LESS = _t(
    "less", "too much", "overdone", "it's too strong", "tone it down", "subtler", "dial it back",
    "not so much", "it's overcooked", "too heavy-handed", "it's too much", "back off", "make it subtler",
    "less please", "that's too strong", "ease off", "scale it back", "a bit less", "it's overdone",
    "too far", "less intense", "weaker", "halve it", "softer please", "that's a bit much",
    "pull it back", "way too strong", "less of that", "take it down a notch", "it's too heavy",
    "rein it in", "gentler",
)
BARE_UNDO = _t(
    "undo", "undo that", "go back", "revert", "revert that", "undo the last change", "take that back",
    "back to how it was", "cancel that", "never mind", "scrap that", "undo it", "go back to before",
    "put it back", "revert the last edit", "reverse that",
)


def heldout(items: tuple[str, ...] | list[str], index: int) -> bool:
    """The fixed split: every fourth entry is kept away from training."""
    del items
    return index % 4 == 3


def prototypes(*, training_only: bool = True) -> list[tuple[str, str]]:
    """(group, phrase) pairs the heads compare a clause's content with: every intent's phrasings
    (all slots) plus the neutral and bare-feedback groups. Held-out phrasings are left out."""
    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(group: str, items, *, split: bool = True) -> None:
        for i, phrase in enumerate(items):
            if split and training_only and heldout(items, i):
                continue
            if (group, phrase) not in seen:
                seen.add((group, phrase))
                out.append((group, phrase))

    for intent in INTENTS:
        for items in (intent.cmp, intent.verb, intent.adj, intent.noun, intent.full,
                      intent.complaint):
            add(intent.name, items)
    for name, items in (("neutral", NEUTRAL), ("bare_more", BARE_MORE), ("bare_less", BARE_LESS),
                        ("bare_undo", BARE_UNDO)):
        add(name, items)
    if training_only:
        from .synonyms import all_extra

        for group, _slot, phrase in all_extra():
            add(group, (phrase,), split=False)  # training-only lists have no held-out part
    return out


def frame_text(template: str) -> str:
    """A frame without its slots: what it says about the property ("it looks too {x}" ->
    "it looks too")."""
    return " ".join(template.replace("{x}", " ").replace("{d}", " ").replace("{d2}", " ")
                    .replace(",", " ").split())


def frame_prototypes(*, training_only: bool = True) -> list[tuple[str, str]]:
    """(polarity, frame text) pairs: a clause's non-content words are compared with them."""
    from .frames import FRAMES

    out: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for (polarity, _slot), templates in FRAMES.items():
        for i, (template, _) in enumerate(templates):
            if training_only and heldout(templates, i):
                continue
            text = frame_text(template)
            if text and (polarity, text) not in seen:
                seen.add((polarity, text))
                out.append((polarity, text))
    if training_only:
        from .synonyms import EXTRA_FRAMES

        for (polarity, _slot), templates in EXTRA_FRAMES.items():
            for template in templates:
                text = frame_text(template)
                if text and (polarity, text) not in seen:
                    seen.add((polarity, text))
                    out.append((polarity, text))
    return out


def phrase_words() -> set[str]:
    """Words of the training phrasings: what is *not* one of them in a clause is its frame."""
    from .synonyms import all_extra

    words: set[str] = set()
    extra = {phrase for _group, _slot, phrase in all_extra()}
    frames = _base_frame_words()
    for _, phrase in prototypes():
        found = {w.strip(",.?!") for w in phrase.split()}
        # The extra wording is colloquial ("i need sunglasses", "reduce the effect"): its frame
        # words ("need", "reduce", "don't") must stay frame words, or the polarity loses them.
        words.update(found - frames if phrase in extra else found)
    return words


def groups() -> list[str]:
    return [i.name for i in INTENTS] + ["neutral", "bare_more", "bare_less", "bare_undo"]


def frame_words() -> set[str]:
    """Words of the training frames: stripped from a clause to leave its content.

    Words of the extra frames (:mod:`.synonyms`) count only where no training phrasing uses them,
    so that a chatty frame ("i reckon it needs more {x}") cannot eat a property word."""
    from .synonyms import EXTRA_FRAMES, frame_slot_words

    words = _base_frame_words()
    phrases = phrase_words()
    for templates in EXTRA_FRAMES.values():
        for template in templates:
            words |= frame_slot_words(template) - phrases
    return words


def _base_frame_words() -> set[str]:
    """Words of the training frames of :data:`.frames.FRAMES`."""
    from .frames import FRAMES

    words: set[str] = set()
    for templates in FRAMES.values():
        for i, (template, _) in enumerate(templates):
            if heldout(templates, i):
                continue
            for w in template.replace("{x}", " ").replace("{d}", " ").replace("{d2}", " ").split():
                w = w.strip(",.?!")
                if w:
                    words.add(w)
    # Frame words that carry meaning of their own in some phrasings ("fix the exposure").
    return words - {"fix", "enhance", "better", "good", "nice", "fine", "love", "style"}


def vocabulary(*, training_only: bool = True) -> set[str]:
    """Words of the phrasings and frames (the speller corrects toward these, the bag of words
    counts them). ``training_only`` leaves out the held-out wording so that the evaluation never
    benefits from knowing its words."""
    from .frames import FRAMES

    words: set[str] = set()

    def add(text: str) -> None:
        for w in text.replace("{x}", " ").replace("{d}", " ").replace("{d2}", " ").split():
            w = w.strip(",.?!\"")
            if w.replace("'", "").isalpha():
                words.add(w)

    def add_all(items) -> None:
        for i, phrase in enumerate(items):
            if not (training_only and heldout(items, i)):
                add(phrase)

    for intent in INTENTS:
        for group in (intent.cmp, intent.verb, intent.adj, intent.noun, intent.full,
                      intent.complaint):
            add_all(group)
    for group in (NEUTRAL, BARE_MORE, BARE_LESS, BARE_UNDO):
        add_all(group)
    for templates in FRAMES.values():
        add_all([t for t, _ in templates])
    if training_only:
        from .synonyms import EXTRA_FRAMES, all_extra

        for _group, _slot, phrase in all_extra():
            add(phrase)
        for templates in EXTRA_FRAMES.values():
            for template in templates:
                add(template)
    return words


#: Slots whose phrasings are whole clauses on their own, and what such a clause asks for.
_WHOLE_CLAUSE = {"cmp": "WANT", "verb": "WANT", "full": "WANT", "complaint": "OPPOSE"}


def exact_readings() -> dict[str, tuple[str, str]]:
    """Training phrasings that are a whole clause by themselves ("pull back the highlights",
    "warmer", "everything is orange") -> (group, polarity), keyed by the clause core the agent
    computes. The heads read frames and phrasings separately, and a phrasing whose verb is usually
    a frame ("pull back the {x}" = less of it) can lose to that habit; a clause that is exactly a
    known phrasing is read from this table instead. Strings claimed by two readings are left out.
    Held-out phrasings are not in it (not even where another list trains the same words)."""
    from iea_core.agent.embedded.interpret import BARE_POLARITY
    from iea_core.agent.embedded.text import parse_clauses

    from .synonyms import extra

    found: dict[str, set[tuple[str, str]]] = {}

    def add(group: str, polarity: str, items) -> None:
        for phrase in items:
            clauses = parse_clauses(phrase)
            if len(clauses) == 1 and clauses[0].core and not clauses[0].numbers:
                found.setdefault(clauses[0].core, set()).add((group, polarity))

    for intent in INTENTS:
        for slot, polarity in _WHOLE_CLAUSE.items():
            items = getattr(intent, slot)
            add(intent.name, polarity,
                [p for i, p in enumerate(items) if not heldout(items, i)])
            add(intent.name, polarity, extra(intent.name, slot))
    for group, items in (("neutral", NEUTRAL), ("bare_more", BARE_MORE),
                         ("bare_less", BARE_LESS), ("bare_undo", BARE_UNDO)):
        add(group, BARE_POLARITY[group], [p for i, p in enumerate(items) if not heldout(items, i)])
        add(group, BARE_POLARITY[group], extra(group, "full"))
    # A phrasing held out in one list may also be a training phrasing in another; the table
    # leaves such strings out, so that the held-out evaluation never reads them from it.
    from .synonyms import heldout_phrasings

    held = {c.core for phrase in heldout_phrasings() for c in parse_clauses(phrase)}
    return {core: next(iter(r)) for core, r in sorted(found.items())
            if len(r) == 1 and core not in held}
