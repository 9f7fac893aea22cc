"""iea-compat against values produced by OpenCV itself (captured once with opencv-python 5.0 on
an AVX2 x86 machine; OpenCV is not a dependency of iea), and, where OpenCV is installed (the
``[bench]`` extra), against IEA's editor run with it (benchmarks/editor.py). These pin down the details that the
documented formulas leave open and that the straightforward reference in test_compat_profile.py
only checks to within 1/255: the SIMD HSV -> RGB truncation, the fixed-point 8-bit Gaussian blur,
tint's rounding and the fade < 0 round trip. The last case is the authors' editor run end to end."""
from __future__ import annotations

import numpy as np
import pytest

from iea_core.editor import render
from iea_core.editor.compat import gaussian_blur_u8, hsv_to_rgb_u8
from iea_core.program import Program
from iea_core.tools import TOOL_NAMES

HSV_IN = bytes.fromhex(
    "aa88907044317bf7c0a1e1ed682f3e8b828d96f00c28d82e09b56036a3e2330af89dbda4a47995001791593e0f93"
    "8a6017bafb8f8169159c3654df3d92afb6365c093da4f83299e0811b912d0f77b2a9c250638c56997a5a52526839"
    "726326c05b610eb3d0069166b88e615f7e93cd6ffa073d64e8b2971f53706a269af798721b1ca3a89a8cba6ead6d"
    "14f414072686508f6e0670df195bae5c3d58ae0d0e53679791d347a518af9467dd71f75a4ff3e75c37842f018759"
    "abc34403ca2c4ce8b27fff02df2611176922a9eeae884e7c21019ed89324d8c0817bbe42f1cf589ba400e7236ff5"
    "d895916b7747d81b25d0")

HSV_RGB_OUT = bytes.fromhex(
    "90435c2327311806c0ed1ba032383e72458d0c000b212e0760301b6ee251f1f8eea42a87954e749183830b0f0e5a"
    "2c60fbd0435c3369362c14073d32a539b606090558f85d86e059868191737770c24149558c79307a703751525866"
    "72a3b7c0090e0e060101ac6eb8553b5f6e57cd0002078de8901f0d0e3b6a5fcff7611b0e1aa8a03cba53ac233b6d"
    "140d00867672306e59df907daea36f4256580e0d0d5a97883d0c47af9ea6d783dd02175a0ae79667828486878640"
    "c3bec7cac8c7e8a2ff7f8826060469645fd8ee504e242c0000019316719fc01d7e62be0bcf3240a49d2303030847"
    "d8692e6b9c9ed8d0cdb2")

PATCH = bytes.fromhex(
    "96226df8d446a703fcb2bdddd8e1e2a09a633f7c349903cb463dc4f3ea335483e56f64168344d1b96b410c3bade3"
    "f6390f4a62312e48d232ddc3f3e848e3f55cb7e22d1bad8ded2dd7fb1065837b97585cae654f2c42b8f27265d7dd"
    "d7eec5923eb486fc6bb30e571a96372332a38245e6a7dc162ddcb8f3d54a0f38ee52c9719952c3338026fbfa0adf"
    "76282c4bf9838c2557f3b7246b852bab20e604ae83e5385d98c4690126be98f09c9384aaa5945fc3d3d4e1e6386d"
    "be5b1df267ebd0e0f0a3d85f5fa461698f35e2b6b9f839ecdb83b5184e549711f50a853f3b46146e3201a92959ec"
    "fe84886a928a82af70f39304ebbe937c4140821f57c9e09458ce1d9b09ae70372dad1acf5c4f1bf192b701b68222"
    "5ceb2ea1b0b2cbebdc33b8f80cbf564cb39c2a558b53769e1763f565d2e329bb4b06f233bc2f422be3f0fa0cdd68"
    "2f78c6268136c5d5ae4ceedf5bea752175d0b84d15d704b6df97679fc61c2a4527bf1f43919a9622a5e8199fac7a"
    "b4b3532c86443d981aafc374303fc6a86bd92e60843c814ee9b10320c6161bf6355049c1e34a41772dc9023cb637"
    "cba025aa8269e52e9ea289eb1d172060132f2a6828bc7b69d60faba177ada22a5969596dd200d37997c3cacb25b3"
    "0760b2d073813de54e93e0ba771450d7f0fffa1c917d1febcb9fd1e915b4afb1e84452cd854fc5bda361b0e0de99"
    "ade3ce42f785840dfed0781567ea9662124cac66f10b559b922b4f02c1072c033e6f0ad92c0534f84a42b572b540"
    "4d84ebb4c644a23f660828f3f0370030163ec7f8f2912a91a6c9753ee0f9fa09b3c14c4ec8a82397f692ea1bf9b4"
    "7f2ad872651da12189ad21138f16c631650543e4ab7447")

BLUR_S3 = bytes.fromhex(
    "918b6d908b6d8e88708b857488827986817f84818383818683828883828983828783838584838485838287838287"
    "848386848586848883858b81868d7e878e7c888f7c888f918a6d908a6d8e87708a847487827985807e8380838280"
    "8683818883818983818784828684818485818287828387828386838586838883858a81868c7e878d7d888e7c888d"
    "918a6f908a6f8d87728a8475868179847f7f827f83827f8683808883808984808784818684808485808286808286"
    "80838580848481868183887f84897d868a7b888a7a878a8f8a718e8a718b877388837685807a837e7f827e82827d"
    "86837e88847e88857f87857f85857f84867e82877e81867e81857e82847e838080857e82857b8485798685788684"
    "9089738f89738c8675898278867f7b847d7f837c82847c85857c87857d87867d86867d85867d83867c81877b8085"
    "7a7f847a7f817b807d7d817b808178838076857f75857f9289759188758e85778b8179887e7b867c7f857b82867a"
    "85877b87887b87887b86887b84887b8187797f86797d84787c82777c7e787c7a7a7c777d7c74817c73837b72837b"
    "9388769287769084788d80798a7d7c897a7f8979828a79848a7a868b7a868b7a858a7a838a7a8088787d87787b84"
    "76798176787d7678787978757b78727f787082776f81789688779487779284798f807a8d7c7c8c7a808b79828d79"
    "848d79868e79858d79848c7a828b797e88787c8777788375778075767b7576767776727a766f7e766d81756c8176"
    "978777968777938379907f7a8e7c7c8d7a7f8c79818e78848e79868e79858e78848c79828b787e89777c87767883"
    "75767f74757a7575767775727a756e7d756d80746c8075")

BLUR_K11 = bytes.fromhex(
    "9d96609c9362988a699383718d7e79887d8187808889858d89888f87888e84858982828281827e82857b86887b8a"
    "8a7d8c8a818b8b88888b90838b977e8a9c7b899e7b889f9b95619a9263958a69908270897d78857c808480878684"
    "8d87878f85878e83848a81828481827f83857d87877d8b887e8c89838b8989878990828a967d8a987b89997b8999"
    "97946595916790896b898171817c777c7b7e7c7e867f828c81858f82858f82838c8181868281828483808784808b"
    "84818c83858a838b8584908086927c89907a8b8d798c8b93936c90906d8a8970818173797b7774797e757b84797e"
    "8b7d818f7f818f80818c818088827f85848083887e828b7b838b7a86887a8b837d8e7e828c7a8786788c7f788e7c"
    "9294738f91748789757e8077767a7973777e7577847a7a8a7f7c8d817d8d827d8a827d87837d84857c828879818a"
    "74818a71838672878076897b7d8576857d758d74748f709694779390778b8778817e787a777a79737e7c74838376"
    "8887788b88798a887988867a84867b81877b7f89777c89717b886c7b826d7e7c7280767a7e718478708c70708f6c"
    "9d93779a8f779386788a7b7884747a83727d8774838e77879278899278898f77878c78828a7a7f897a7b89777688"
    "7173846c727d6c747571776e79776b81756a88716a8b6ea49476a290769b8577937a788e747a8d737e9176849779"
    "889a7b8a997a899578869178828e7a7d8b7b7789797185736c806e69776c6b6e706f677773647e75658374658573"
    "a79476a48f769e847796797891737991737e9477849a7b889d7c8a9b7b8a9779879378818f7a7c8c7b7689796f85"
    "74697e6f66756d676b716b647771627d75628176638375")

PIPE_IN = bytes.fromhex(
    "8136f091732237f0f0f488db5b58d489ae7893a42831c4cf9bc5f86fb46574a8992a6637da295a9cdd09ab3c86ef"
    "f5307316edc2c2880b93836474609de3280ac9f4a43ce2e039cdf214d9772635c7f5a3da8ae6a756a0daf4b71604"
    "af4efb0cdfd723945e6db2567b0888d756a86851440f3a275105db1c2fad244dd7a169a0d2ea50200f3826ccfc55"
    "784de60c5050dccfa9a9e610e1dc147a816f658210cc63a4134e232f0f21a89119d4b6e150c410e42ec0766ef3e1"
    "7939897f491c8132ea0dc495f925da927dbfd362261e85a3426b5e437454fd9bcbd936cb858ea3189e702374f5d7"
    "43a941891c0debc8c7a11468a1e9ce28ead2da8779af1c02b3cd3c55975cb14bc1535b0965151118d8b82da57c50"
    "f4a005de66fa48776a3998e4ef7b622332df582993c2d05818f7d5069060e97d0d519ba6f43a61a93206f536f1a5"
    "0b2ace474f9088d80ea2acb5def1eb4f52e544171b61104f65293bd5b540d39dade1b6d7dd74a32d2cfe182341a8"
    "2a705998389fe119abcd3997c8006e61496afcd7448d3b22302b2631591396a9a4142cae3b179fd473b34f864a7d"
    "7960d661544e0c4d295fd0a5b3a968171e8af1cdc54bd2060e37fd81f3b5283c563f3d3b7a35013371541e5386da"
    "bdd91975c2a23c98eb3edf14cd423158a40db3c0ac2fd9c5abeb3c94de2354e0d6bcb84ca8b8192a9817da137a3c"
    "1433abd35fc332dc6be77f648e211f6178809cd4192222da3cd8d18574215480fba3589bcd14d1c0f9bc7e5409e8"
    "6c7e4cbbc531ed44da9985d778ec704e1bd4f6c0050232d5169b407cc94db39ed124e6da04a1e82fee3b05058aee"
    "4f6fb5e36b2e1ebe48e2e4f1e2ddf6821860b5490d4f5e55fcb5d3d40c74d763c818a3b89ca9e1f431bad047f211"
    "08f8c6c65922a988a97365d32f4a9cd9a46f98acf0df5b552d58e85e08ac62b998327010055f233bef84ce846b06"
    "5af175e4e8c1c253c8d0c2c5da30c5f7c347751f28440fb7e1bfc0293f89")

PIPE_OUT = bytes.fromhex(
    "6300ffbf880000ffffff80ff362dffadfc74c7e90000ffffa2ffff66ff6074f2df00872fff003ba2ff00e60fb1ff"
    "ff004500ffffff9700cea5709b62afff0000ffffb600ffff00ffff00ff810009ecffb1ff9bffd94fd8ffffe10000"
    "f800ff00ffff00c55f70fa3f7f0095ff44f3576948003a094b00ff0000f70009ffb14ac6ffff1200003800ffff00"
    "6a0bff005c58ffffd6cdff00ffff008eb4995cb700ff4fe10065091a000be6c100fff6ff22ff00ff00f55549ffff"
    "6c00abad2b00b700ff00ff7eff00ffb16ff1ff380000aed3266c5b399400ff92ffff00ff959de100d28f008bffff"
    "00fb17920000ffffffb9006acaffff00ffffffa385e20000ebff0016c846f31eff226d007f000009ffff00db9544"
    "ffb300ff3cff29a78a00b3ffff6b2e0000ff4c00c4ffff2000ffff00c958ff790025dce7ff0023d80000ff00ffd3"
    "0000ff1718909cff00e9f2d7ffffff0f0dff0000007e0052830000ffe106ffa7eaffd9ffff4edf0000ff000012f1"
    "007f50b900b8ff00e4ff00b7ff008f6f0038ffff029d30092e101b383c00dfe1f10000ff0700cbff70ff28af3a9b"
    "6c3aff775c4700570034ffc7f7f0570000b7ffffff00ff000000ff57ffe0003f6131463395180003994c004aadff"
    "ffff0075ffe910bfff00ff00ff000046d000ffffd200ffffd7ff00aeff0022ffffffdf2ce6f60000c500ff00a721"
    "0000e3ff39ff00ff53ff9374d100008680a9e5ff000000ff00ffff8197004e67ffab2abdff00ffffffee580c00ff"
    "6eb239f9ff00ff01ffa098ff53ff4b0500ffffff000000ff00dc117eff0df3c3ff00ffff00c2ff00ff000000a2ff"
    "0c38e8ff2a0000f700ffffffffffff6c0057ff0500576318ffd2ffff0063ff44ff00d9ffd5f5ffff00f6ff13ff00"
    "00ffffff3a00f0a5f2763dff0009b2ffe671c0ccffff67650013ff2400ff4afacb007d0000630322ff86ffa68800"
    "11ff4efffffdff2affffffffff00ffffff00a600002700f2ffffed0421a1")


def _u8(data: bytes, *shape: int) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def test_hsv_to_rgb_matches_opencv_in_simd_blocks_and_row_tails():
    # rows of 40 pixels: 32 go through OpenCV's truncating SIMD path, 8 through the rounding tail
    out = hsv_to_rgb_u8(_u8(HSV_IN, 2, 40, 3))
    assert np.array_equal(out, _u8(HSV_RGB_OUT, 2, 40, 3))


def test_gaussian_blur_is_opencvs_fixed_point_blur():
    patch = _u8(PATCH, 9, 23, 3)
    # sigma 3 (the unsharp mask's 19 taps, wider than the patch: repeated reflect-101 borders)
    assert np.array_equal(gaussian_blur_u8(patch, 0, 3.0), _u8(BLUR_S3, 9, 23, 3))
    # the kernel sizes sharpness < 0 uses, with OpenCV's sigma from the size
    assert np.array_equal(gaussian_blur_u8(patch, 11, 0.0), _u8(BLUR_K11, 9, 23, 3))


def test_pipeline_equals_the_original_editor_run_with_opencv():
    image = _u8(PIPE_IN, 6, 40, 3)
    program = {"saturation": 30, "tint": 55, "sharpness": 80, "fade": -20, "shadows": 25}
    out = render(image, program, profile="iea-compat")
    assert np.array_equal(out, _u8(PIPE_OUT, 6, 40, 3))


def test_grain_draws_like_the_original_after_np_random_seed():
    image = np.full((16, 24, 3), 120, dtype=np.uint8)
    out = render(image, {"grain": 50}, profile="iea-compat", seed=3)
    noise = np.random.RandomState(3).standard_normal((16, 24, 3))[..., ::-1]  # B, G, R draw order
    x = render(image, {}, profile="iea-compat").astype(np.float32) / np.float32(255)
    expected = (np.clip(x + noise * 0.15, 0, 1) * 255).astype(np.uint8)
    assert np.array_equal(out, expected)


# --- against real OpenCV, where it is installed (the [bench] extra) ------------------------------
def _opencv_pipeline():
    pytest.importorskip("cv2")
    from benchmarks.editor import iea_editor_opencv

    return iea_editor_opencv


@pytest.mark.parametrize("tool", TOOL_NAMES)
def test_compat_equals_the_opencv_pipeline_tool_by_tool(photos, tool):
    """iea-compat against IEA's editor run with the installed OpenCV (benchmarks/editor.py's
    per-operation pipeline), every tool at both signs. Bit-exact, except that OpenCV releases
    after 5.0 round cv2.addWeighted differently: sharpening > 0 may differ by one level."""
    pipeline = _opencv_pipeline()
    # 141 = 128 + 13 columns: the same SIMD blocks and row tail in HSV -> RGB whether the
    # installed OpenCV converts 32 pixels per block (AVX2, as iea-compat assumes) or 64 (AVX-512)
    image = np.ascontiguousarray(photos["astronaut"][100:164, 150:291])
    for value in (-100, -35, 20, 100):
        ours = render(image, {tool: value}, profile="iea-compat", seed=5)
        theirs = pipeline(np.ascontiguousarray(image[..., ::-1]), Program({tool: value}),
                          seed=5)[..., ::-1]
        diff = np.abs(ours.astype(int) - theirs)
        if tool == "sharpness" and value > 0:
            assert diff.max() <= 1 and (diff == 0).mean() > 0.95, (tool, value)
        else:
            assert diff.max() == 0, (tool, value, diff.max())


def test_compat_equals_the_opencv_pipeline_on_random_programs(photos):
    pipeline = _opencv_pipeline()
    rng = np.random.default_rng(7)
    image = np.ascontiguousarray(photos["coffee"][:80, :141])
    for _ in range(8):
        tools = rng.choice(TOOL_NAMES, size=int(rng.integers(2, 8)), replace=False)
        program = {str(t): int(rng.integers(-100, 101)) for t in tools}
        ours = render(image, program, profile="iea-compat", seed=2)
        theirs = pipeline(np.ascontiguousarray(image[..., ::-1]), Program(program),
                          seed=2)[..., ::-1]
        diff = np.abs(ours.astype(int) - theirs)
        assert diff.max() <= 1 and (diff == 0).mean() > 0.95, (program, diff.max())
