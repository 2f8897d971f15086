"""Preprocessing through the real maadstml client against `tml serve`: every statistic of
`preprocesslogic` on numbers, text, times and points, each checked against numpy or the Python
standard library; preprocessconditions, topicid, offset, preprocesstopic and rawdataoutput; and bad
input answering {"ERROR": ...} naming the parameter.

Run by test/server/python-preprocess.test.ts. Arguments: host (with scheme), port, admin token file.
Prints one JSON line {"ok", "checks", "failures", "written", "preprocesstopic"}: `written` is how many
items the successful calls wrote into `preprocesstopic`, which the test compares with the topic (the
failing calls must have written nothing).
"""
import datetime as dt
import json
import math
import sys
import time

import numpy as np
import maadstml

HOST, PORT, TOKEN_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(TOKEN_FILE) as f:
    TOKEN = f.read()
RUN = str(int(time.time() * 1000) % 10**8)
failures, checks = [], []


def check(condition, what):
    (checks if condition else failures).append(what)
    return condition


def answer(raw):
    return json.loads(raw, strict=False)


def topic(name):
    y = answer(maadstml.vipercreatetopic(TOKEN, HOST, PORT, f"{name}-{RUN}", "OTICS", "Sebastian",
                                         "s@example.org", "Toronto", "preprocessing test"))
    return y["Topic"], y["ProducerId"]


def produce(t, p, values):
    y = answer(maadstml.viperproducetotopicbulk(TOKEN, HOST, PORT, t, p, ",".join(str(v) for v in values)))
    assert "ERROR" not in json.dumps(y), y


main, main_producer = topic("main")
out, out_producer = topic("preprocessed")
written = 0

# numbers: a window with repeats, a spread and a spike
x = np.array([50, 52, 51, 55, 58, 57, 56, 60, 59, 58, 57, 90, 56, 55, 54, 53, 58, 57, 56, 55], dtype=float)
numbers, numbers_p = topic("humidity")
produce(numbers, numbers_p, [int(v) for v in x])
words, words_p = topic("status")
w = ["ok", "warn", "ok", "down", "ok", "warn"]
produce(words, words_p, w)
mixed, mixed_p = topic("mixed")
produce(mixed, mixed_p, [1, "x", 2])
times, times_p = topic("times")
tv = ["2024-02-28T23:59:50", "2024-02-29T00:00:20", "2024-03-01T00:00:00", "2024-03-01T00:01:00"]
produce(times, times_p, tv)
places, places_p = topic("places")
pv = ["43.6532:-79.3832", "44.2312:-76.4860", "45.5019:-73.5674"]  # Toronto, Kingston, Montreal
produce(places, places_p, pv)


def preprocess(stream, logic, **params):
    raw = maadstml.viperpreprocessproducetotopicstream(
        TOKEN, HOST, PORT, main, main_producer, params.pop("offset", -1), maxrows=params.pop("maxrows", 100),
        streamstojoin=stream, preprocesslogic=logic, preprocesstopic=out, **params)
    return answer(raw)


def item(stream, logic, **params):
    global written
    y = preprocess(stream, logic, **params)
    if not check(isinstance(y, list) and len(y) == 1 and "hyperprediction" in y[0], f"{logic}: one item ({y})"):
        return None
    written += 1
    return y[0]


def close(stream, logic, expected, tolerance=1e-6, **params):
    i = item(stream, logic, **params)
    if i is None:
        return
    got = float(i["hyperprediction"])  # a string, as VIPER writes it
    check(abs(got - expected) <= tolerance * max(1, abs(expected)), f"{logic}: {got} vs {expected}")


mean, s, n = x.mean(), x.std(ddof=1), len(x)
q1, med, q3 = np.percentile(x, [25, 50, 75])
d = x - mean
t = np.arange(n)
vals, cnt = np.unique(x, return_counts=True)
p = cnt / n
expected = {
    "min": x.min(), "max": x.max(), "avg": mean, "count": n, "sum": x.sum(), "median": med,
    "diff": x[-1] - x[0], "diffmargin": 100 * (x[-1] - x[0]) / abs(x[0]), "variance": x.var(ddof=1),
    "iqr": q3 - q1, "midhinge": (q1 + q3) / 2, "trimean": (q1 + 2 * med + q3) / 4,
    "gm": math.exp(np.log(x).mean()), "hm": n / (1 / x).sum(), "cv": s / abs(mean),
    "mad": np.abs(d).mean(),
    "skewness": math.sqrt(n * (n - 1)) / (n - 2) * (d**3).mean() / (d**2).mean() ** 1.5,
    "kurtosis": (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * ((d**4).mean() / (d**2).mean() ** 2 - 3) + 6),
    "trend": np.polyfit(t, x, 1)[0], "autocorr": (d[1:] * d[:-1]).sum() / (d**2).sum(),
    "outliers": int(((x < q1 - 1.5 * (q3 - q1)) | (x > q3 + 1.5 * (q3 - q1))).sum()),
    "varied": 1, "entropy": -(p * np.log2(p)).sum(), "unique": 0, "uniquecount": len(vals),
    "consistency": 1, "raw": x[-1],
}
for logic, value in expected.items():
    close(numbers, logic, float(value))
lo, hi = np.percentile(x, [10, 90])
close(numbers, "outliers10-90", float(((x < lo - 1.5 * (hi - lo)) | (x > hi + 1.5 * (hi - lo))).sum()))
# one spike (90) in a calm window: the smoothed z-score flags it
close(numbers, "spikedetect", 1)
for logic, z in (("meanci95", 1.959963984540054), ("meanci99", 2.5758293035489)):
    i = item(numbers, logic)
    if i is not None:
        got = [float(v) for v in i["hyperprediction"].split(",")]
        half = z * s / math.sqrt(n)
        check(np.allclose(got, [mean, mean - half, mean + half], atol=1e-6), f"{logic}: {got}")

# text
close(words, "countstr", len(w))
close(words, "uniquestr", 0)
close(words, "uniquestrcount", len(set(w)))
counts = np.array([w.count(v) for v in set(w)]) / len(w)
close(words, "entropy", float(-(counts * np.log2(counts)).sum()))
close(words, "consistency", 1)
close(mixed, "consistency", 0)
raw = item(words, "raw")
check(raw is not None and raw["hyperprediction"] == w[-1], f"raw of text: {raw}")

# times and points
parsed = [dt.datetime.fromisoformat(v) for v in tv]
close(times, "timediff", (parsed[-1] - parsed[0]).total_seconds())
gaps = [(b - a).total_seconds() for a, b in zip(parsed, parsed[1:])]
close(times, "avgtimediff", sum(gaps) / len(gaps))
newest_utc = parsed[-1].replace(tzinfo=dt.timezone(dt.timedelta(hours=-5)))
age_hours = (dt.datetime.now(dt.timezone.utc) - newest_utc).total_seconds() / 3600
close(times, "dataage_-5_hour", age_hours, tolerance=1e-5)  # a minute of drift at most
lat1, lon1, lat2, lon2 = np.radians([43.6532, -79.3832, 45.5019, -73.5674])
h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
close(places, "geodiff", float(2 * 6371.0088 * np.arcsin(np.sqrt(h))))

# conditions, offset, rawdataoutput, identifier; devices by topicid
y = preprocess(f"{numbers},{times}", "max,count", preprocessconditions=f"{numbers}=55,58", rawdataoutput=1,
               identifier="DSN-1")
inside = x[(x >= 55) & (x <= 58)]
if check(isinstance(y, list) and len(y) == 2, f"conditions: two items ({y})"):
    written += 2
    check(float(y[0]["hyperprediction"]) == inside.max(), f"MAX within [55,58]: {y[0]['hyperprediction']}")
    check(y[0]["RawData"] == [int(v) for v in inside], f"RawData: {y[0].get('RawData')}")
    check(len(y[0]["MsgIdData"]) == len(inside), "MsgIdData: one per value")
    check(y[0]["Conditions"] == f"{numbers}=55,58" and y[0]["Identifier"] == "DSN-1", "Conditions, Identifier")
    check(y[0]["Topic"] == f"{numbers}_preprocessed_Max", f"Topic: {y[0]['Topic']}")
    check(float(y[1]["hyperprediction"]) == len(tv) and y[1]["Conditions"] == "", f"COUNT of times: {y[1]}")
close(numbers, "sum", float(x[3:8].sum()), offset=3, maxrows=5)
device, device_p = topic("device")
for v, dev in ((10, 7), (99, 8), (20, 7), (1, 8), (30, 7)):
    maadstml.viperproducetotopic(TOKEN, HOST, PORT, device, device_p, 0, 100, externalprediction=str(v), topicid=dev)
i = item(device, "avg", topicid=7)
if i is not None:
    check(float(i["hyperprediction"]) == 20 and i["Topic"] == f"topicid7_{device}_preprocessed_Avg", f"topicid: {i}")
    check(i["Numberofmessages"] == 3, "topicid: 3 of device 7's records")

# array=1: rows {"A":..,"B":..} written by producetotopic with subtopics; the streams are the fields
rows, rows_p = topic("rows")
ra, rb = [3.5, 1.0, 7.25, 2.0], [10, 20, 15, 40]
for a_, b_ in zip(ra, rb):
    maadstml.viperproducetotopic(TOKEN, HOST, PORT, rows, rows_p, 0, 100, externalprediction=f"{a_},{b_}",
                                 subtopics="A,B", array=1)
y = answer(maadstml.viperpreprocessproducetotopicstream(
    TOKEN, HOST, PORT, rows, rows_p, -1, maxrows=10, streamstojoin="A,B", preprocesslogic="avg,max", array=1,
    preprocesstopic=out))
if check(isinstance(y, list) and len(y) == 2, f"array=1: two items ({y})"):
    written += 2
    check(float(y[0]["hyperprediction"]) == np.mean(ra) and y[0]["Topic"] == "A_preprocessed_Avg", f"array AVG: {y[0]}")
    check(float(y[1]["hyperprediction"]) == max(rb) and y[1]["Numberofmessages"] == 4, f"array MAX: {y[1]}")

# stream queries on the newest preprocessed values: AVG = mean, MAX = 58 (the conditioned call was last)
results, _ = topic("query")
avg, mx, uniq = f"{numbers}_preprocessed_Avg", f"{numbers}_preprocessed_Max", f"{words}_preprocessed_Uniquestrcount"
q = answer(maadstml.viperstreamquery(
    TOKEN, HOST, PORT, out, out_producer, streamstojoin=f"{avg},{mx},{uniq}",
    preprocessconditions=f"{avg} > {mean - 1} and {uniq} = {len(set(w))}:{mx} > 58 or {avg} < {mean - 1}",
    description="calm;alarm", identifier="plant-1", preprocesstopic=results))
if check(isinstance(q, dict) and "Queries" in q, f"streamquery: {q}"):
    check([x["Result"] for x in q["Queries"]] == [1, 0] and q["Result"] == 1, f"streamquery results: {q}")
    check(abs(q["Queries"][0]["Inputs"][avg]["value"] - mean) < 1e-6, "streamquery inputs: the newest AVG")
    check(q["Queries"][1]["Inputs"][mx]["value"] == 58 and q["Topic"] == results, "streamquery: MAX 58, its topic")
    check(q["Queries"][0]["Description"] == "calm" and q["Queries"][0]["Identifier"] == "plant-1", "descriptions")
for conditions, part in ((f"{avg} > 1 and {mx} > 1 or {uniq} = 3", "mixes AND and OR"),
                         (f"{avg} > warm", "'warm'"), (f"nosuch > 1", "'nosuch'")):
    y = answer(maadstml.viperstreamquery(TOKEN, HOST, PORT, out, out_producer, streamstojoin=f"{avg},{mx},{uniq}",
                                         preprocessconditions=conditions, preprocesstopic=results))
    message = y.get("ERROR", "") if isinstance(y, dict) else ""
    check("preprocessconditions" in message and part in message, f"bad streamquery ({conditions}): {y}")

# preprocessed streams are streams: 30 windows → preprocessed AVG/MAX in one topic → joined by their
# names `<topic>/<stream>` → a training set → a model → a prediction. Per window k: u = k, k+1, k+2
# (AVG k+1), v = m, m+3, m+1 with m = 7k mod 11 (MAX m+3), y = 3·AVG(u) + 2·MAX(v) three times.
CONTACT = ("OTICS", "Sebastian", "s@example.org", "Toronto", "preprocessing test")
u, u_p = topic("u")
v, v_p = topic("v")
yy, y_p = topic("y")
flow, _ = topic("flow-preprocessed")
for k in range(30):
    produce(u, u_p, [k, k + 1, k + 2])
    m = 7 * k % 11
    produce(v, v_p, [m, m + 3, m + 1])
    produce(yy, y_p, [3 * (k + 1) + 2 * (m + 3)] * 3)
    r = answer(maadstml.viperpreprocessproducetotopicstream(
        TOKEN, HOST, PORT, main, main_producer, -1, maxrows=3, streamstojoin=f"{u},{v},{yy}",
        preprocesslogic="avg,max,avg", preprocesstopic=flow))
    assert isinstance(r, list) and len(r) == 3, r
names = [f"{flow}/{u}_preprocessed_Avg", f"{flow}/{v}_preprocessed_Max", f"{flow}/{yy}_preprocessed_Avg"]
joined = f"pre-joined-{RUN}"
j = answer(maadstml.vipercreatejointopicstreams(TOKEN, HOST, PORT, joined, ",".join(names), *CONTACT))
check("ERROR" not in j, f"join preprocessed streams: {j}")
joined_consumer = answer(maadstml.vipersubscribeconsumer(TOKEN, HOST, PORT, joined, *CONTACT))["Consumerid"]
rows = answer(maadstml.viperproducetotopicstream(TOKEN, HOST, PORT, joined, j["ProducerId"], -1, 30))
check("ERROR" not in json.dumps(rows), f"joined record: {rows}")
training, training_p = topic("pre-training")
ts = answer(maadstml.vipercreatetrainingdata(TOKEN, HOST, PORT, joined, training, names[2], ",".join(names[:2]),
                                             joined_consumer, training_p, "OTICS"))
check(ts.get("Rows") == 30, f"training set of 30 preprocessed windows: {ts}")
training_consumer = answer(maadstml.vipersubscribeconsumer(TOKEN, HOST, PORT, training, *CONTACT))["Consumerid"]
params, params_p = topic("pre-params")
model = answer(maadstml.viperhpdetraining(TOKEN, HOST, PORT, training, params, "OTICS", training_consumer, params_p,
                                          HOST, "viper.env", hpdeport=8001, modelruns=5, timeout=60))
check("ERROR" not in model, f"a model trained on preprocessed streams: {str(model)[:300]}")
params_consumer = answer(maadstml.vipersubscribeconsumer(TOKEN, HOST, PORT, params, *CONTACT))["Consumerid"]
predictions, predictions_p = topic("pre-predictions")
pred = answer(maadstml.viperhpdepredict(TOKEN, HOST, PORT, params, predictions, "OTICS", params_consumer,
                                        predictions_p, HOST, "10,5", hpdeport=8001, pathtoalgos="./models"))
# the relation is exact: y = 3·u + 2·v → 3·10 + 2·5 = 40
got = float(pred["Hyperprediction"]) if isinstance(pred, dict) and "Hyperprediction" in pred else float("nan")
check(abs(got - 40) < 0.4, f"prediction from preprocessed inputs: {got} vs 40 ({str(pred)[:300]})")

# anomaly peer groups trained on the joined preprocessed streams, named as they are joined
peers, peers_p = topic("pre-peers")
alerts, _ = topic("pre-alerts")
flags = "~".join(f"topic={n},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5" for n in names[:2])
pg = answer(maadstml.viperanomalytrain(TOKEN, HOST, PORT, joined, alerts, peers, peers_p, "", ",".join(names[:2]),
                                       "OTICS", joined_consumer, "", flags, HOST, "viper.env", hpdeport=8001))
check(isinstance(pg, dict) and "ERROR" not in pg, f"peer groups of preprocessed streams: {str(pg)[:300]}")

# bad input: an ERROR naming the parameter and the bad part; nothing written
for stream, logic, params, parameter, part in (
    (numbers, "average", {}, "preprocesslogic", "average"),
    (words, "avg", {}, "preprocesslogic", "'ok'"),
    (times, "dataage_1_fortnight", {}, "preprocesslogic", "DATAAGE_1_FORTNIGHT"),
    (places, "timediff", {}, "preprocesslogic", "43.6532:-79.3832"),
    (words, "geodiff", {}, "preprocesslogic", "'ok'"),
    (numbers, "max", {"preprocessconditions": f"{numbers}=55"}, "preprocessconditions", f"{numbers}=55"),
    (numbers, "max", {"preprocessconditions": f"{numbers}=1000,n"}, "preprocessconditions", "no value"),
    (device, "avg", {"topicid": 5}, "maxrows", "key 5"),
):
    y = preprocess(stream, logic, **params)
    message = y.get("ERROR", "") if isinstance(y, dict) else ""
    check(parameter in message and part in message, f"bad {parameter} ({logic} {params}): {y}")

print(json.dumps({"ok": not failures, "checks": len(checks), "failures": failures, "written": written,
                  "preprocesstopic": out}))
sys.exit(1 if failures else 0)
