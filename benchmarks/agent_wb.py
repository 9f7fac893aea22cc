"""White-balance requests through the whole agent on many scenes x casts.

    python benchmarks/agent_wb.py [preview px, default 192]

The cast is the mean Lab a*, b* shift of the mid-tones against the unspoiled photo (the truth).
"""
import sys, time
import numpy as np, skimage.data as d
from iea_core.agent import verify as V
from iea_core.agent.embedded import adapt
from iea_core.editor import render

def photos(size=256):
    out = {}
    for n in ['astronaut','chelsea','coffee','rocket','hubble_deep_field','immunohistochemistry','retina']:
        out[n] = V.preview(getattr(d, n)(), size)
    out['motorcycle'] = V.preview(d.stereo_motorcycle()[0], size)
    # crops: harder scenes with less neutral content
    c = V.preview(d.coffee(), 512); out['coffee_cup'] = c[60:300, 120:400]
    a = V.preview(d.astronaut(), 512); out['astronaut_face'] = a[0:260, 120:380]
    ch = V.preview(d.chelsea(), 512); out['chelsea_face'] = ch[30:260, 80:330]
    r = V.preview(d.rocket(), 512); out['rocket_sky'] = r[0:200, 0:300]
    return out

def residual(img, orig):
    Lo = V.lab(orig); Li = V.lab(img)
    m = (Lo[...,0] > 15) & (Lo[...,0] < 95) & (orig.max(-1) < 0.99) & (img.max(-1) < 0.99)
    if m.sum() < 50: m = np.ones(m.shape, bool)
    da = (Li[...,1]-Lo[...,1])[m].mean(); db = (Li[...,2]-Lo[...,2])[m].mean()
    return float(da), float(db)

import numpy as np
from iea_core.agent.embedded import EmbeddedAgent
from iea_core.editor import render
CASTS2 = [{}, {'temperature':40},{'temperature':-40},{'temperature':70},{'temperature':-70},{'temperature':100},{'temperature':-100},
         {'tint':50},{'tint':-50},{'tint':100},{'tint':-100},
         {'temperature':65,'tint':-15},{'temperature':-50,'tint':40},{'temperature':45,'tint':45},{'temperature':-60,'tint':-60}]
WORDS = ["fix the white balance", "the colours look off", "neutral colours please", "make the whites white", "correct the colour cast"]
a = EmbeddedAgent().load()
P = photos(int(sys.argv[1]) if len(sys.argv)>1 else 192)
groups = {'photos': ['astronaut','chelsea','coffee','rocket','motorcycle','coffee_cup','astronaut_face','chelsea_face','rocket_sky'],
          'non-photos': ['hubble_deep_field','immunohistochemistry','retina']}
for gname, names in groups.items():
    shr=[]; grew=[]; ratios=[]; unc=[]; lat=[]; per={}
    for n in names:
        o = P[n]
        for ci, cast in enumerate(CASTS2):
            sp = render(o, cast) if cast else o
            w = WORDS[(ci + len(n)) % len(WORDS)]
            t0=time.perf_counter(); r = a.edit(sp, w); lat.append(time.perf_counter()-t0)
            fx = render(sp, r.program)
            r0 = np.hypot(*residual(sp,o)); r1 = np.hypot(*residual(fx,o))
            if cast:
                shr.append(r1 < r0 - 0.05); grew.append(r1 > r0 + 0.05); ratios.append(r1/r0)
                per.setdefault(n, []).append(r1 < r0 - 0.05)
            else: unc.append(r1)
    print(f"{gname}: {len(shr)} cast cases: shrank {np.mean(shr)*100:.0f}%  grew {np.mean(grew)*100:.0f}%  "
          f"median residual/start {np.median(ratios):.2f} mean {np.mean(ratios):.2f}; uncast originals: mean cast introduced {np.mean(unc):.2f} Lab (max {np.max(unc):.2f}); edit p50 {1000*np.median(lat):.0f} ms")
    print("   per scene shrank:", {k: f"{np.mean(v)*100:.0f}%" for k,v in per.items()})
