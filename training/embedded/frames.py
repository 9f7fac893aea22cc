"""Sentence frames: how a property word becomes a request, a complaint, a ban or an undo.

``FRAMES[(polarity, slot)]`` lists ``(template, takes_degree)``: ``{x}`` is filled with a phrase
of the intent's ``slot`` list, ``{d}`` with a degree word and a space (or nothing), ``{d2}`` with
a trailing degree phrase (or nothing). Every fourth frame of each list is held out for the
evaluation, as in :mod:`.intents`.

Polarities (what the user wants done with the property):
WANT more of it; OPPOSE less of it (complaints, "too X", "less X", "reduce the X");
FORBID not more of it ("don't make it brighter"); REMOVE take it away ("no vignette",
"undo the vignette"); KEEP leave it as it is ("leave the colors alone"); NONE no request.
"""
from __future__ import annotations

POLARITIES = ("WANT", "OPPOSE", "FORBID", "REMOVE", "KEEP", "NONE")


def _f(*templates: str) -> tuple[tuple[str, bool], ...]:
    return tuple((t, "{d" in t) for t in templates)


FRAMES: dict[tuple[str, str], tuple[tuple[str, bool], ...]] = {
    ("WANT", "cmp"): _f(
        "make it {d}{x}", "{d}{x}", "{d}{x} please", "can you make it {d}{x}", "i'd like it {d}{x}",
        "it should be {d}{x}", "i want it {d}{x}", "could it be {d}{x}?", "needs to be {d}{x}",
        "go {d}{x}", "try {d}{x}", "let's go {d}{x}", "make the photo {d}{x}",
        "make the image {d}{x}", "make this {d}{x}", "make the picture {d}{x}",
        "i think it should be {d}{x}", "can we get it {d}{x}", "it would look better {d}{x}",
        "make everything {d}{x}", "just {d}{x}", "{d}{x} overall", "turn it {d}{x}",
        "i prefer it {d}{x}", "get it {d}{x}", "maybe {d}{x}?", "{x} {d2}", "a {d}{x} version",
        "could you make it {d}{x}", "i'd love it {d}{x}", "render it {d}{x}", "it needs to be {d}{x}",
    ),
    ("WANT", "verb"): _f(
        "{x}", "please {x}", "can you {x}", "could you {x}?", "{x} please", "i'd like you to {x}",
        "try to {x}", "let's {x}", "maybe {x}", "{x} for me", "{x} {d2}", "i want you to {x}",
        "you could {x}", "go ahead and {x}", "would you {x}", "{x} if you can",
        "can we {x} {d2}", "{d}{x}", "i need you to {x}", "{x} a little", "try and {x} {d2}",
        "it'd be nice to {x}", "could we {x}", "{x} slightly",
    ),
    ("WANT", "noun"): _f(
        "more {x}", "{d}more {x}", "add {x}", "add some {x}", "add {d}more {x}", "increase the {x}",
        "boost the {x}", "raise the {x}", "turn up the {x}", "bump up the {x} {d2}",
        "needs more {x}", "give it more {x}", "push the {x}", "crank up the {x}", "up the {x}",
        "i want more {x}", "it needs {d}more {x}", "could use more {x}", "some {x} please",
        "put some {x} in it", "pump up the {x}", "increase {x} {d2}", "a touch of {x}",
        "it lacks {x}", "not enough {x}", "there's not enough {x}", "give it {d}more {x}",
        "i'd like more {x}", "strengthen the {x}", "enhance the {x}", "amp up the {x}",
        "more {x} please",
    ),
    ("WANT", "adj"): _f(
        "make it {d}{x}", "not {x} enough", "it's not {x} enough", "could be more {x}",
        "i want it {d}{x}", "should look {d}{x}", "make it look {d}{x}", "give it a {d}{x} look",
        "go for a {x} look", "something {d}{x}", "i'd like a {x} feel", "a {x} vibe",
        "needs to be more {x}", "it isn't {x} enough", "not quite {x} enough", "i want a {d}{x} look",
        "make it feel {d}{x}", "i'm going for {x}", "i want it to look {d}{x}", "aim for {x}",
        "a {d}{x} feel please", "give it a {x} style", "it should feel {d}{x}", "style it {x}",
    ),
    ("WANT", "full"): _f("{x}", "{x} please", "{x} {d2}", "i want {x}", "{d}{x}", "can i get {x}",
                         "maybe {x}", "{x} would be nice"),
    ("OPPOSE", "adj"): _f(
        "too {x}", "{d}too {x}", "it's {d}too {x}", "it is too {x}", "it looks {d}{x}",
        "it looks {d}too {x}", "the photo is {d}{x}", "this is way too {x}", "less {x}",
        "{d}less {x}", "not so {x}", "not as {x}", "make it less {x}", "it feels {d}{x}",
        "looks {d}{x}", "it's kind of {x}", "the image seems {d}{x}", "so {x}",
        "it came out {d}{x}", "the picture looks {d}{x}", "it's {d}{x}", "overly {x}",
        "{x}, fix that", "it's {d}{x} right now", "way too {x}", "it seems {d}too {x}",
        "the shot looks {d}{x}", "it's gotten {x}", "it has become too {x}", "why is it so {x}",
        "not that {x}", "too {x} now", "it looks {x} to me", "it's a bit too {x} now",
        "it's rather {x}", "this looks {d}{x}", "it's looking {x}", "much too {x}",
        "it should be less {x}", "i find it {d}{x}",
    ),
    ("OPPOSE", "noun"): _f(
        "less {x}", "{d}less {x}", "reduce the {x}", "lower the {x}", "decrease the {x}",
        "tone down the {x}", "too much {x}", "cut the {x}", "dial back the {x}", "turn down the {x}",
        "there's too much {x}", "pull back the {x}", "ease off the {x}", "back off on the {x}",
        "reduce {x} {d2}", "way too much {x}", "take down the {x}", "lessen the {x}",
        "minimize the {x}", "not so much {x}", "cut back on the {x}", "{d}less {x} please",
        "lower {x} {d2}", "the {x} is too strong", "dial down the {x}", "the {x} is too much",
        "tone the {x} down", "soften the {x}", "less {x} overall", "go easy on the {x}",
        "decrease {x} {d2}", "the {x} is overdone",
    ),
    ("OPPOSE", "complaint"): _f("{x}", "{x} now", "i think {x}", "hmm {x}", "{x} to me",
                                "honestly {x}", "{x} i think", "ugh {x}"),
    ("FORBID", "cmp"): _f(
        "don't make it {x}", "do not make it {x}", "without making it {x}", "but not {x}",
        "don't make it any {x}", "avoid making it {x}", "it shouldn't get {x}",
        "don't let it get {x}", "never make it {x}", "careful not to make it {x}",
        "it mustn't get {x}", "i don't want it {x}", "no {x} please", "don't go {x}",
        "don't turn it {x}", "please don't make it {x}",
    ),
    ("FORBID", "verb"): _f(
        "don't {x}", "do not {x}", "never {x}", "please don't {x}", "no need to {x}",
        "you shouldn't {x}", "don't {x} though", "try not to {x}", "without having to {x}",
        "don't {x} at all", "i don't want you to {x}", "don't you dare {x}",
    ),
    ("FORBID", "noun"): _f(
        "don't add {x}", "no more {x}", "don't add any {x}", "without adding {x}",
        "don't increase the {x}", "don't boost the {x}", "no extra {x}", "don't raise the {x}",
        "don't push the {x}", "no additional {x}", "don't add more {x}", "don't up the {x}",
    ),
    ("REMOVE", "noun"): _f(
        "remove the {x}", "get rid of the {x}", "no {x}", "undo the {x}", "take out the {x}",
        "lose the {x}", "kill the {x}", "drop the {x}", "reset the {x}", "take away the {x}",
        "without {x}", "cancel the {x}", "scrap the {x}", "no {x} please", "remove {x}",
        "ditch the {x}", "eliminate the {x}", "strip the {x}", "i don't want any {x}",
        "revert the {x}", "take the {x} off", "get the {x} out", "remove all the {x}",
        "zero the {x}",
    ),
    ("KEEP", "noun"): _f(
        "keep the {x} as is", "leave the {x} alone", "don't touch the {x}", "keep the {x}",
        "leave the {x} as it is", "the {x} is fine", "{x} is good", "the {x} is perfect",
        "keep the same {x}", "preserve the {x}", "don't change the {x}", "the {x} is ok",
        "leave the {x}", "keep the {x} the same", "i like the {x}", "the {x} is right",
    ),
    ("NONE", "full"): _f("{x}", "{x}!", "{x} though", "ok {x}"),
    ("WANT", "bare"): _f("{x}", "{x}!", "hmm {x}", "{x} i think"),
    ("OPPOSE", "bare"): _f("{x}", "{x}!", "hmm {x}", "{x} i think"),
    ("REMOVE", "bare"): _f("{x}", "{x}!", "hmm {x}", "{x} please"),
}
