"""Per-device models through the real maadstml client: N devices, each with its own linear relation
y = a_i*x + b_i (+ small noise), trained and served through VIPER's one-shot calls with `topicid`,
one training call per device as a VIPER user would make it.

Run by test/server/python-devices.test.ts (a few devices) and bench/devices.ts (1,000).
Arguments: host (with scheme), port, path of admin.tok, number of devices; DEVICE_OFFSET (env,
default 0) numbers them from there, so a later run adds devices to the same server.
Each device's model is checked against numpy's least squares on that device's own rows: its
predictions on its rows, and at a point between them, must match the device's own fit, and not the
neighbouring device's. The trainings stream their coefficients (`sendcoefto`), which restricts the
search to linear models, as a VIPER user asking for coefficients does: the relation is linear, and a
tree picked from 30 noisy rows would be checked for its interpolation, not for being the device's.
Prints one JSON line with what it checked and how long the phases took; exits non-zero on the
first failed check.
"""
import json
import os
import random
import sys
import time

import maadstml as maads
import numpy as np

VIPERHOST, VIPERPORT, ADMIN_FILE, DEVICES = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
ROWS = 30  # training needs at least 30 aligned rows
OFFSET = int(os.environ.get("DEVICE_OFFSET", "0"))
DEVICE_IDS = range(OFFSET, OFFSET + DEVICES)
with open(ADMIN_FILE, "r") as f:
    TOKEN = f.read()

checked = 0


def check(condition, what):
    global checked
    if not condition:
        print("FAILED: " + what, file=sys.stderr)
        sys.exit(1)
    checked += 1


def parse(result, what):
    check(isinstance(result, str), what + ": an answer: " + repr(result)[:200])
    y = json.loads(result)
    check(not (isinstance(y, dict) and "ERROR" in y), what + ": no ERROR: " + result[:300])
    return y


def error_of(result):
    y = json.loads(result)
    return y.get("ERROR", "") if isinstance(y, dict) else ""


def createtopic(name):
    y = parse(maads.vipercreatetopic(TOKEN, VIPERHOST, VIPERPORT, name, "OTICS", "Sebastian", "s@x.io", "Toronto",
                                     "devices", enabletls=0, numpartitions=3), "createtopics " + name)
    return y["ProducerId"]


def subscribe(name):
    y = parse(maads.vipersubscribeconsumer(TOKEN, VIPERHOST, VIPERPORT, name, "OTICS", "Sebastian", "s@x.io",
                                           "Toronto", "devices"), "subscribeconsumer " + name)
    return y["Consumerid"]


px, py = createtopic("dev-x"), createtopic("dev-y")
joined = "dev-joined"
y = parse(maads.vipercreatejointopicstreams(TOKEN, VIPERHOST, VIPERPORT, joined, "dev-y,dev-x", "OTICS",
                                            "Sebastian", "s@x.io", "devices", "Toronto", numpartitions=3),
          "createjointopicstreams")
pjoined = y["ProducerId"]
cjoined = subscribe(joined)
ptraining = createtopic("dev-training")
ctraining = subscribe("dev-training")
pparams = createtopic("dev-params")
cparams = subscribe("dev-params")
ppredictions = createtopic("dev-predictions")
createtopic("dev-coefficients")

rng = random.Random(12 + OFFSET)
truth = {}
fits = {}
algokey = None
timings = {"produce": 0.0, "join": 0.0, "trainingdata": 0.0, "training": 0.0, "predict": 0.0}


def timed(phase, call):
    started = time.perf_counter()
    result = call()
    timings[phase] += time.perf_counter() - started
    return result


for device in DEVICE_IDS:
    a, b = rng.uniform(-5, 5), rng.uniform(-50, 50)
    truth[device] = (a, b)
    xs = [rng.uniform(0, 100) for _ in range(ROWS)]
    ys = [a * x + b + rng.gauss(0, 0.5) for x in xs]
    for x, v in zip(xs, ys):
        # one call writes the row's two values, one per topic, keyed by the device
        timed("produce", lambda: parse(maads.viperproducetotopic(
            TOKEN, VIPERHOST, VIPERPORT, "dev-y,dev-x", py + "," + px, 0, 100, "", "", "", 0,
            "%.6f,%.6f" % (v, x), topicid=device), "producetotopic"))
    answer = timed("join", lambda: parse(maads.viperproducetotopicstream(
        TOKEN, VIPERHOST, VIPERPORT, joined, pjoined, -1, ROWS, 0, 100, "", -999, "", topicid=device),
        "producetotopicstream"))
    check(all(e["Rows"] == ROWS for e in answer if "Partition" not in e), "the join holds the device's rows only")
    answer = timed("trainingdata", lambda: parse(maads.vipercreatetrainingdata(
        TOKEN, VIPERHOST, VIPERPORT, joined, "dev-training", "dev-y", "dev-x", cjoined, ptraining, "OTICS",
        -1, 0, 100, "", -999, "", topicid=device), "createtrainingdata"))
    check(answer["Rows"] == ROWS and answer["Topicid"] == device, "the training set is the device's")
    answer = timed("training", lambda: parse(maads.viperhpdetraining(
        TOKEN, VIPERHOST, VIPERPORT, "dev-training", "dev-params", "OTICS", ctraining, pparams, VIPERHOST,
        "viper.env", enabletls=0, partition=-1, modelruns=4, hpdeport=8001, offset=-1, timeout=120,
        topicid=device, sendcoefto="dev-coefficients", coeftoprocess="0,1", coefsubtopicnames="b,a"),
        "viperhpdetraining"))
    check(answer["Topicid"] == device, "the model is the device's")
    algokey = answer["Algokey"]
    # the device's own least-squares fit on its rows (numpy), against which its model is checked
    design = np.column_stack([np.ones(ROWS), np.array(xs)])
    coef, *_ = np.linalg.lstsq(design, np.array(ys), rcond=None)
    residuals = np.array(ys) - design @ coef
    sigma = float(np.sqrt(residuals @ residuals / (ROWS - 2)))
    spread = max(ys) - min(ys)
    # How far a model may stray from the device's own line. AutoML may pick a non-linear model
    # (trees, an ensemble) that follows the noise a little: on average (RMS) within the noise SD,
    # at any one point within 4 SDs (plus 1% / 2% of the device's y range).
    rms_allowed, point_allowed = sigma + 0.01 * spread, 4 * sigma + 0.02 * spread
    fits[device] = (coef, point_allowed)
    answer = timed("predict", lambda: parse(maads.viperhpdepredict(
        TOKEN, VIPERHOST, VIPERPORT, "dev-params", "dev-predictions", "OTICS", cparams, ppredictions,
        VIPERHOST, "", algokey="", partition=-1, offset=-1, enabletls=0, delay=100, hpdeport=8001,
        topicid=device, maintopic=joined, streamstojoin="dev-x", pathtoalgos="./models"), "viperhpdepredict"))
    check(isinstance(answer, list) and len(answer) == ROWS, "one prediction per row of the device's join")
    fitted = [coef[0] + coef[1] * float(p["Inputdata"]) for p in answer]
    gaps = np.array([p["Hyperprediction"] - f for p, f in zip(answer, fitted)])
    rms = float(np.sqrt(np.mean(gaps ** 2)))
    check(rms <= rms_allowed and float(np.max(np.abs(gaps))) <= point_allowed,
          "device %d: predictions follow its least-squares fit (RMS gap %.3f of %.3f allowed, worst %.3f of %.3f)"
          % (device, rms, rms_allowed, float(np.max(np.abs(gaps))), point_allowed))
    if device > OFFSET:
        other = fits[device - 1][0]
        theirs = np.array([other[0] + other[1] * float(p["Inputdata"]) for p in answer])
        ours = np.array([p["Hyperprediction"] for p in answer])
        apart = float(np.sqrt(np.mean((np.array(fitted) - theirs) ** 2)))
        if apart > 2 * rms_allowed:  # two lines within the noise of each other prove nothing
            check(float(np.sqrt(np.mean((ours - theirs) ** 2))) > rms,
                  "device %d's predictions are nearer its own line than device %d's" % (device, device - 1))
    check(all(p["Topicid"] == device for p in answer), "predictions name the device")

# After every device trained: each model still answers with its own relation (by algokey and topicid,
# one point each), and differs from the previous device's fit where the two relations differ.
started = time.perf_counter()
for device in DEVICE_IDS:
    coef, tolerance = fits[device]
    x = 50.0
    p = parse(maads.viperhpdepredict(
        TOKEN, VIPERHOST, VIPERPORT, "dev-params", "dev-predictions", "OTICS", cparams, ppredictions, VIPERHOST,
        "%.1f" % x,
        algokey=algokey, enabletls=0, delay=100, hpdeport=8001, topicid=device, pathtoalgos="./models"),
        "viperhpdepredict by algokey")
    own = coef[0] + coef[1] * x
    check(abs(p["Hyperprediction"] - own) <= tolerance,
          "device %d at x=50: %.3f, its fit %.3f" % (device, p["Hyperprediction"], own))
    if device > OFFSET:
        other = fits[device - 1][0]
        theirs = other[0] + other[1] * x
        if abs(theirs - own) > 2 * (tolerance + fits[device - 1][1]):
            check(abs(p["Hyperprediction"] - own) < abs(p["Hyperprediction"] - theirs),
                  "device %d's model is not device %d's" % (device, device - 1))
timings["recheck"] = time.perf_counter() - started

# An unknown device is an ERROR naming topicid, for each call that takes one.
unknown = OFFSET + DEVICES + 1000
for what, result in [
    ("producetotopicstream", maads.viperproducetotopicstream(
        TOKEN, VIPERHOST, VIPERPORT, joined, pjoined, -1, ROWS, 0, 100, "", -999, "", topicid=unknown)),
    ("createtrainingdata", maads.vipercreatetrainingdata(
        TOKEN, VIPERHOST, VIPERPORT, joined, "dev-training", "dev-y", "dev-x", cjoined, ptraining, "OTICS",
        -1, 0, 100, "", -999, "", topicid=unknown)),
    ("viperhpdetraining", maads.viperhpdetraining(
        TOKEN, VIPERHOST, VIPERPORT, "dev-training", "dev-params", "OTICS", ctraining, pparams, VIPERHOST,
        "viper.env", enabletls=0, modelruns=4, hpdeport=8001, topicid=unknown)),
    ("viperhpdepredict", maads.viperhpdepredict(
        TOKEN, VIPERHOST, VIPERPORT, "dev-params", "dev-predictions", "OTICS", cparams, ppredictions, VIPERHOST, "50",
        algokey=algokey, enabletls=0, hpdeport=8001, topicid=unknown, pathtoalgos="./models")),
    ("viperhpdeoptimize", maads.viperhpdeoptimize(
        TOKEN, VIPERHOST, VIPERPORT, "dev-params", "dev-predictions", "OTICS", cparams, ppredictions, VIPERHOST,
        enabletls=0, hpdeport=8001, topicid=unknown)),
]:
    check("topicid" in error_of(result), what + " with an unknown topicid: an ERROR naming topicid: " + result[:200])

print(json.dumps({"ok": True, "checks": checked, "devices": DEVICES,
                  "seconds": {k: round(v, 2) for k, v in timings.items()}}))
