"""A realistic TML build through the real maadstml client against `tml serve`: three raw sensor
streams (Voltage, Current, Temperature) of 20 devices as nested JSON → viperpreprocesscustomjson per
device → viperstreamquery alerting when two preprocessed streams cross thresholds → a model trained on
the preprocessed streams → predictions. Every number is checked against numpy. Also saveasarray,
rawdataoutput with message ids, jsoncriteria through viperpreprocessproducetotopicstream, and bad input
answering {"ERROR": ...} naming the parameter and the bad part, writing nothing.

Run by test/server/python-custom-json.test.ts. Arguments: host (with scheme), port, admin token file.
Prints one JSON line {"ok", "checks", "failures", "written", "preprocesstopic", "arraytopic", "devices",
"alerts"}: the test compares `written` with the preprocess topic, `devices` with the saveasarray topic
and with the stream-query results topic (the failing calls must have written nothing).
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
CONTACT = ("OTICS", "Sebastian", "s@example.org", "Toronto", "custom json test")
failures, checks = [], []


def check(condition, what):
    (checks if condition else failures).append(what)
    return condition


def answer(raw):
    return json.loads(raw, strict=False)


def topic(name):
    y = answer(maadstml.vipercreatetopic(TOKEN, HOST, PORT, f"{name}-{RUN}", *CONTACT))
    return y["Topic"], y["ProducerId"]


def send(t, p, document):
    y = answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, t, p, 0, 100, "", "", "", 0,
                                            json.dumps(document, separators=(",", ":"))))
    assert "ERROR" not in json.dumps(y), y


DEVICES = 20
READINGS = 6
SENSORS = ("Voltage", "Current", "Temperature")
rng = np.random.default_rng(11)
raw, raw_p = topic("iot-raw")
pre, pre_p = topic("iot-preprocessed")
alerts, _ = topic("iot-alerts")
base = dt.datetime(2024, 5, 1, 10, 0, 0)
CRITERIA = ("uid=device.id,filter:kind=sensor~subtopics=readings.0.name,readings.1.name,readings.2.name"
            "~values=readings.0.value,readings.1.value,readings.2.value"
            "~identifiers=readings.0.label,readings.1.label,readings.2.label"
            "~datetime=time~msgid=id~latlong=device.lat:device.long")


def produce_round(r):
    """One round: READINGS readings per device (its values, times, places), plus heartbeats to filter out."""
    truth = {}
    for j in range(READINGS):
        for d in range(DEVICES):
            device = f"dev-{d:02d}"
            volt = round(215 + d + rng.uniform(-2, 2), 3)
            amps = round(5 + (d % 4) * 0.8 + rng.uniform(-0.5, 0.5), 3)
            temp = round(0.1 * volt + 4 * amps, 6)  # exact: the model's relation
            when = base + dt.timedelta(hours=r, seconds=j * (30 + d))
            lat, long = 43.6 + 0.01 * j * (d + 1), -79.4 + 0.005 * j
            t = truth.setdefault(device, {"V": [], "C": [], "T": [], "times": [], "points": [], "ids": []})
            t["V"].append(volt), t["C"].append(amps), t["T"].append(temp)
            t["times"].append(when), t["points"].append((lat, long)), t["ids"].append(f"m-{r}-{d}-{j}")
            send(raw, raw_p, {"kind": "sensor", "id": f"m-{r}-{d}-{j}", "time": when.strftime("%Y-%m-%dT%H:%M:%S"),
                              "device": {"id": device, "lat": lat, "long": long},
                              "readings": [{"name": "Voltage", "label": "Line-Voltage", "value": volt},
                                           {"name": "Current", "label": "Line-Current", "value": amps},
                                           {"name": "Temperature", "label": "Core-Temp", "value": temp}]})
    for d in range(5):  # heartbeats: the filter keeps them out (their values would spoil every MAX)
        send(raw, raw_p, {"kind": "heartbeat", "id": f"h-{r}-{d}", "time": "2024-05-01T10:00:00",
                          "device": {"id": f"dev-{d:02d}", "lat": 0, "long": 0},
                          "readings": [{"name": "Voltage", "value": 9999}, {"name": "Current", "value": 9999},
                                       {"name": "Temperature", "value": 9999}]})
    return truth


def haversine(p, q):
    rad = math.pi / 180
    a = (math.sin((q[0] - p[0]) * rad / 2) ** 2
         + math.cos(p[0] * rad) * math.cos(q[0] * rad) * math.sin((q[1] - p[1]) * rad / 2) ** 2)
    return 2 * 6371.0088 * math.asin(min(1, math.sqrt(a)))


LOGIC = "avg,max,min,variance,trend,timediff,avgtimediff,geodiff"
WINDOW = DEVICES * READINGS + 5
written = 0


def expected(t, sensor, stat):
    x = np.array(t[sensor[0]])
    secs = np.array([(w - t["times"][0]).total_seconds() for w in t["times"]])
    return {"avg": x.mean(), "max": x.max(), "min": x.min(), "variance": x.var(ddof=1),
            "trend": np.polyfit(np.arange(len(x)), x, 1)[0], "timediff": secs[-1] - secs[0],
            "avgtimediff": np.diff(secs).mean(), "geodiff": haversine(t["points"][0], t["points"][-1])}[stat]


def customjson(**params):
    return answer(maadstml.viperpreprocesscustomjson(
        TOKEN, HOST, PORT, raw, raw_p, params.pop("offset", -1), jsoncriteria=params.pop("jsoncriteria", CRITERIA),
        maxrows=params.pop("maxrows", WINDOW), preprocesslogic=params.pop("preprocesslogic", LOGIC),
        preprocesstopic=params.pop("preprocesstopic", pre), identifier="iot", **params))


for r in range(2):  # two rounds: two windows of 20 devices each, 40 rows to learn from
    truth = produce_round(r)
    items = customjson()
    ok = check(isinstance(items, list) and len(items) == DEVICES * 3 * 8,
               f"round {r}: 20 devices × 3 sensors × 8 statistics ({str(items)[:300]})")
    if not ok:
        break
    written += len(items)
    seen = 0
    for item in items:
        device = item["Identifier"].split("mainuid=")[-1]
        sensor, stat = item["Topic"].split("_preprocessed_")
        want = expected(truth[device], sensor, stat.lower())
        got = float(item["hyperprediction"])
        seen += check(abs(got - want) <= 1e-5 * max(1, abs(want)),
                      f"round {r} {device} {item['Topic']}: {got} vs numpy {want}")
        check(item["Numberofmessages"] == READINGS and item["kafkakey"] == device
              and item["Identifier"].startswith(f"{sensor}~Line-" if sensor != "Temperature" else "Temperature~Core-Temp"),
              f"{device} {item['Topic']}: count, key and identifier ({item})")
    check(seen == len(items), f"round {r}: every statistic as numpy computes it ({seen}/{len(items)})")
    first = truth["dev-00"]["times"][0].replace(tzinfo=dt.timezone.utc)
    check(any(i["WindowStartUnixTime"] == int(first.timestamp() * 1000) for i in items),
          "window times come from the datetime path")

# viperstreamquery per device (wherecondition = the device, found in PreprocessIdentifier): alert when two preprocessed streams cross
Q = "Voltage_preprocessed_Avg > 225 and Current_preprocessed_Max > 6.5"
alerted = []
for d in range(DEVICES):
    device = f"dev-{d:02d}"
    y = answer(maadstml.viperstreamquery(TOKEN, HOST, PORT, pre, pre_p, streamstojoin="Voltage_preprocessed_Avg,"
                                         "Current_preprocessed_Max", preprocessconditions=Q, preprocesstopic=alerts,
                                         identifier="overload", description="voltage and current high",
                                         wherecondition=device, maxrows=200))
    v = np.mean(truth[device]["V"])
    c = np.max(truth[device]["C"])
    want = int(v > 225 and c > 6.5)
    q = y.get("Queries", [{}])[0] if isinstance(y, dict) else {}
    inputs = q.get("Inputs", {})
    check(y.get("Result") == want and len(q.get("MsgIdData", [])) == 2
          and abs(inputs.get("Voltage_preprocessed_Avg", {}).get("value", -1) - v) < 1e-5
          and abs(inputs.get("Current_preprocessed_Max", {}).get("value", -1) - c) < 1e-5,
          f"streamquery {device}: {want} from avg {v}, max {c} ({y})")
    if want:
        alerted.append(device)
check(0 < len(alerted) < DEVICES, f"some devices alert and some do not ({alerted})")

# viperstreamquerybatch: the same query as a solution, every second, for two devices; the test reads
# its results from `batchalerts` once the solution has run
batchalerts, _ = topic("iot-batch-alerts")
y = answer(maadstml.viperstreamquerybatch(TOKEN, HOST, PORT, pre, pre_p, streamstojoin="Voltage_preprocessed_Avg,"
                                          "Current_preprocessed_Max", preprocessconditions=Q,
                                          preprocesstopic=batchalerts, topicid="dev-15,dev-03", maxrows=200,
                                          timedelay=1))
check(isinstance(y, dict) and y.get("Solution") == f"viper-streamquery-{pre}" and y.get("Steps"),
      f"streamquerybatch makes a solution: {y}")
batchexpected = {d: int(d in alerted) for d in ("dev-15", "dev-03")}
y = answer(maadstml.viperstreamquerybatch(TOKEN, HOST, PORT, pre, pre_p, streamstojoin="Voltage_preprocessed_Avg",
                                          preprocessconditions="Voltage_preprocessed_Avg >> 3",
                                          preprocesstopic=batchalerts, timedelay=1, topicid="-999"))
message = y.get("ERROR", "") if isinstance(y, dict) else ""
check("preprocessconditions" in message and ">> 3" in message, f"bad streamquerybatch: {y}")

# a model trained on the preprocessed streams (both rounds: 40 rows), then predictions
names = [f"{pre}/{s}_preprocessed_Avg" for s in SENSORS]
joined = f"iot-joined-{RUN}"
j = answer(maadstml.vipercreatejointopicstreams(TOKEN, HOST, PORT, joined, ",".join(names), *CONTACT))
check("ERROR" not in j, f"join preprocessed streams: {j}")
joined_consumer = answer(maadstml.vipersubscribeconsumer(TOKEN, HOST, PORT, joined, *CONTACT))["Consumerid"]
rows = answer(maadstml.viperproducetotopicstream(TOKEN, HOST, PORT, joined, j["ProducerId"], -1, 2 * DEVICES))
check("ERROR" not in json.dumps(rows), f"joined record: {str(rows)[:300]}")
training, training_p = topic("iot-training")
ts = answer(maadstml.vipercreatetrainingdata(TOKEN, HOST, PORT, joined, training, names[2], ",".join(names[:2]),
                                             joined_consumer, training_p, "OTICS"))
check(ts.get("Rows") == 2 * DEVICES, f"training set of 40 preprocessed device windows: {ts}")
training_consumer = answer(maadstml.vipersubscribeconsumer(TOKEN, HOST, PORT, training, *CONTACT))["Consumerid"]
params, params_p = topic("iot-params")
model = answer(maadstml.viperhpdetraining(TOKEN, HOST, PORT, training, params, "OTICS", training_consumer, params_p,
                                          HOST, "viper.env", hpdeport=8001, modelruns=5, timeout=60))
check("ERROR" not in model, f"a model trained on preprocessed streams: {str(model)[:300]}")
params_consumer = answer(maadstml.vipersubscribeconsumer(TOKEN, HOST, PORT, params, *CONTACT))["Consumerid"]
predictions, predictions_p = topic("iot-predictions")
for volt, amps in ((225.0, 6.0), (220.0, 5.5)):
    pred = answer(maadstml.viperhpdepredict(TOKEN, HOST, PORT, params, predictions, "OTICS", params_consumer,
                                            predictions_p, HOST, f"{volt},{amps}", hpdeport=8001,
                                            pathtoalgos="./models"))
    want = 0.1 * volt + 4 * amps  # Temperature = 0.1·Voltage + 4·Current per reading, so per average too
    got = float(pred["Hyperprediction"]) if isinstance(pred, dict) and "Hyperprediction" in pred else float("nan")
    check(abs(got - want) < 0.02 * want, f"prediction at {volt},{amps}: {got} vs {want} ({str(pred)[:300]})")

# rawdataoutput: the values and the message ids the criteria name
y = customjson(rawdataoutput=1, preprocesslogic="max", preprocesstopic=pre)
if check(isinstance(y, list) and len(y) == DEVICES * 3, f"rawdataoutput items ({str(y)[:300]})"):
    written += len(y)
    i = next(i for i in y if i["Topic"] == "Current_preprocessed_Max" and i["kafkakey"] == "dev-07")
    check(i["RawData"] == truth["dev-07"]["C"] and i["MsgIdData"] == truth["dev-07"]["ids"],
          f"raw data and message ids of dev-07 ({i})")

# jsoncriteria through viperpreprocessproducetotopicstream (the newest client sends it there)
y = answer(maadstml.viperpreprocessproducetotopicstream(TOKEN, HOST, PORT, raw, raw_p, -1, maxrows=WINDOW,
                                                         jsoncriteria=CRITERIA, preprocesslogic="min",
                                                         preprocesstopic=pre))
if check(isinstance(y, list) and len(y) == DEVICES * 3, f"producetotopicstream with jsoncriteria ({str(y)[:300]})"):
    written += len(y)
    i = next(i for i in y if i["Topic"] == "Voltage_preprocessed_Min" and i["kafkakey"] == "dev-03")
    check(abs(float(i["hyperprediction"]) - min(truth["dev-03"]["V"])) < 1e-6, f"MIN of dev-03 ({i})")

# saveasarray: one record per device holding its items as a JSON array
arraytopic, _ = topic("iot-arrays")
y = customjson(saveasarray=1, preprocesslogic="avg,max", preprocesstopic=arraytopic)
check(isinstance(y, list) and len(y) == DEVICES * 6 and len({(i["Partition"], i["Offset"]) for i in y}) == DEVICES,
      f"saveasarray: 120 items in 20 records ({str(y)[:300]})")

# bad input: an ERROR naming the parameter and the bad part; nothing written
bad_times, bad_times_p = topic("iot-bad-times")
send(bad_times, bad_times_p, {"kind": "sensor", "id": "x", "time": "yesterday", "device": {"id": "d"},
                              "readings": [{"name": "Voltage", "value": 1}]})
for params, parameter, part in (
    ({"jsoncriteria": "uid=device.id~subtopic=readings.0.name~values=readings.0.value"}, "jsoncriteria", "subtopic="),
    ({"jsoncriteria": "uid=device.id~subtopics=readings.0.name~values=readings..value"}, "jsoncriteria",
     "readings..value"),
    ({"jsoncriteria": "uid=device.id~subtopics=readings.0.name,readings.1.name~values=readings.0.value"},
     "jsoncriteria", "2 subtopics and 1 values"),
    ({"jsoncriteria": "subtopics=readings.0.name~values=readings.0.value"}, "jsoncriteria", "uid"),
    ({"jsoncriteria": "uid=device.id~subtopics=readings.0.name~values=readings.0.label"}, "preprocesslogic",
     "'Line-Voltage'"),
    ({"jsoncriteria": CRITERIA.replace("kind=sensor", "kind=nosuch")}, "jsoncriteria", "matches no record"),
    ({"preprocessconditions": "Voltage=1000,n"}, "preprocessconditions", "no value"),
    ({"preprocessconditions": "Voltage=abc,n"}, "preprocessconditions", "'abc'"),
    ({"preprocesslogic": "avg,average"}, "preprocesslogic", "average"),
    ({"jsoncriteria": CRITERIA.replace("~latlong=device.lat:device.long", ""), "preprocesslogic": "geodiff"},
     "jsoncriteria", "latlong"),
):
    y = customjson(**params)
    message = y.get("ERROR", "") if isinstance(y, dict) else ""
    check(parameter in message and part in message, f"bad {parameter} ({params}): {str(y)[:300]}")
y = answer(maadstml.viperpreprocesscustomjson(TOKEN, HOST, PORT, bad_times, bad_times_p, -1, jsoncriteria=(
    "uid=device.id~subtopics=readings.0.name~values=readings.0.value~datetime=time"), maxrows=5,
    preprocesslogic="avg", preprocesstopic=pre))
message = y.get("ERROR", "") if isinstance(y, dict) else ""
check("jsoncriteria" in message and "yesterday" in message, f"a time that does not parse: {y}")
y = answer(maadstml.viperstreamquery(TOKEN, HOST, PORT, pre, pre_p, streamstojoin="Voltage_preprocessed_Avg",
                                     preprocessconditions="Voltage_preprocessed_Avg > 1", preprocesstopic=alerts,
                                     wherecondition="dev-99", maxrows=200))
message = y.get("ERROR", "") if isinstance(y, dict) else ""
check("wherecondition" in message and "dev-99" in message, f"streamquery of an unknown device: {y}")

print(json.dumps({"ok": not failures, "checks": len(checks), "failures": failures, "written": written,
                  "preprocesstopic": pre, "arraytopic": arraytopic, "devices": DEVICES,
                  "alerts": alerts, "alerted": len(alerted), "batchalerts": batchalerts,
                  "batchexpected": batchexpected}))
sys.exit(1 if failures else 0)
