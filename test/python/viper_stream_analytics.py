"""Stream correlations and clusters through the real maadstml client against `tml serve`:
viperstreamcorr checked against scipy.stats (pearsonr, spearmanr, kendalltau and their p-values) and
numpy.correlate (lags), with topcorrnum, threshhold and pvalue; viperstreamcluster checked against
scikit-learn's KMeans started from the same initial centres, with alertonclustersize; its point
options (datetimekey, valueidentifier, identifierextractpos*), rawdataoutput, alertonsubjectpercentage
and its PDF report (text extracted with pdfminer);
vipersearchanomaly against the word overlap computed here; bad input
answering {"ERROR": ...} naming the parameter and writing nothing.

Run by test/server/python-stream-analytics.test.ts. Arguments: host (with scheme), port, admin token
file. Prints one JSON line {"checks", "failures", "written", "outputs"}: `written` is how many records
the successful calls wrote into each output topic, which the test compares with the topics.
"""
import base64
import io
import json
import re
import sys
import time

import numpy as np
from scipy import stats
from sklearn.cluster import KMeans
import maadstml
from pdfminer.converter import TextConverter
from pdfminer.layout import LAParams
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage


def extract_text(stream):
    """A PDF's text, read by pdfminer (the version maadstml installs, which has no high_level)."""
    out = io.StringIO()
    manager = PDFResourceManager()
    device = TextConverter(manager, out, laparams=LAParams())
    interpreter = PDFPageInterpreter(manager, device)
    for page in PDFPage.get_pages(stream):
        interpreter.process_page(page)
    device.close()
    return out.getvalue()

HOST, PORT, TOKEN_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(TOKEN_FILE) as f:
    TOKEN = f.read()
RUN = str(int(time.time() * 1000) % 10**8)
failures, checks = [], []
written = {}


def check(condition, what):
    (checks if condition else failures).append(what)
    return condition


def close(a, b, rel=1e-6, abs_=1e-12):
    return a is not None and abs(a - b) <= max(abs_, rel * abs(b))


def answer(raw):
    return json.loads(raw, strict=False)


def topic(name):
    y = answer(maadstml.vipercreatetopic(TOKEN, HOST, PORT, f"{name}-{RUN}", "OTICS", "Sebastian",
                                         "s@example.org", "Toronto", "stream analytics test"))
    return y["Topic"], y["ProducerId"]


def produce(t, p, values):
    y = answer(maadstml.viperproducetotopicbulk(TOKEN, HOST, PORT, t, p, ",".join(str(v) for v in values)))
    assert "ERROR" not in json.dumps(y), y


# four numeric streams: b follows a, c is a three steps later, d holds ties (integers)
rng = np.random.default_rng(7)
N = 60
a = np.round(rng.normal(50, 10, N + 3), 3)
b = np.round(2 * a[3:] + rng.normal(0, 8, N), 3)
c = np.round(a[:N] + rng.normal(0, 3, N), 3)  # c is a three steps late (a becomes a[3:] below)
a = a[3:]
d = np.round(a / 10 + rng.normal(0, 1, N)).astype(int)
streams = {}
for name, values in (("a", a), ("b", b), ("c", c), ("d", d)):
    t, p = topic(f"sensor-{name}")
    produce(t, p, [float(v) if name != "d" else int(v) for v in values])
    streams[name] = (t, p, np.asarray(values, dtype=float))
host_topic, host_producer = streams["a"][0], streams["a"][1]
out, _ = topic("correlations")
written[out] = 0
names = {streams[k][0]: k for k in streams}


def corr(**params):
    raw = maadstml.viperstreamcorr(TOKEN, HOST, PORT, host_topic, host_producer,
                                   streamstojoin=params.pop("streamstojoin", ",".join(streams[k][0] for k in "abcd")),
                                   preprocesstopic=params.pop("preprocesstopic", out), **params)
    return answer(raw)


SCIPY = {"Pearson": stats.pearsonr, "Spearman": stats.spearmanr, "Kendall": stats.kendalltau}


def expected(n, method, x, y):
    r = SCIPY[method](x[-n:], y[-n:])
    return float(r.statistic), float(r.pvalue)


# every pair, every method, and cross-correlation at lags −10..10, over the newest 60 and the newest 20
# (Kendall without ties is exact below 34 pairs, asymptotic above, as scipy's default chooses)
for maxrows in (60, 20):
    y = corr(maxrows=maxrows, topcorrnum=0, docrosscorr=1, mincorrvectorlen=5)
    if not check("Correlations" in y and y["Computed"] == 6 * 4, f"maxrows={maxrows}: 6 pairs x 4 ({y})"):
        continue
    written[out] += y["Written"]
    check(y["Written"] == 24 and len(y["Correlations"]) == 24, f"maxrows={maxrows}: all written")
    strengths = [abs(i["Correlation"]) for i in y["Correlations"]]
    check(strengths == sorted(strengths, reverse=True), f"maxrows={maxrows}: sorted by |r|")
    for item in y["Correlations"]:
        s1, s2 = item["Streams"].split(",")
        x1, x2 = streams[names[s1]][2], streams[names[s2]][2]
        what = f"maxrows={maxrows} {names[s1]}~{names[s2]} {item['Preprocesstype']}"
        check(item["Numberofmessages"] == maxrows, f"{what}: n")
        if item["Preprocesstype"] == "Crosscorrelation":
            u, v = x1[-maxrows:], x2[-maxrows:]
            full = np.correlate(v - v.mean(), u - u.mean(), "full") / (maxrows * u.std() * v.std())
            lags = {lag: full[maxrows - 1 + lag] for lag in range(-10, 11)}
            best = max(lags, key=lambda k: abs(lags[k]))
            check(item["Lag"] == best and close(item["Correlation"], lags[best]), f"{what}: {item} vs lag {best} {lags[best]}")
            continue
        r, p = expected(maxrows, item["Preprocesstype"], x1, x2)
        check(close(item["Correlation"], r, 1e-9), f"{what}: r {item['Correlation']} vs scipy {r}")
        check(close(item["Pvalue"], p, 1e-5, 1e-300), f"{what}: p {item['Pvalue']} vs scipy {p}")
    ac = [i for i in y["Correlations"] if i["Streams"] == f"{streams['a'][0]},{streams['c'][0]}"
          and i["Preprocesstype"] == "Crosscorrelation"]
    check(len(ac) == 1 and ac[0]["Lag"] == 3, f"maxrows={maxrows}: a~c peaks where c lags a by 3: {ac}")

# topcorrnum keeps the strongest; threshhold and pvalue filter as scipy's numbers say
y = corr(maxrows=60, topcorrnum=3, correlationtype="pearson,kendall")
if check("Correlations" in y, f"topcorrnum: {y}"):
    written[out] += y["Written"]
    allr = []
    for i, k1 in enumerate("abcd"):
        for k2 in "abcd"[i + 1:]:
            for m in ("Pearson", "Kendall"):
                allr.append(abs(expected(60, m, streams[k1][2], streams[k2][2])[0]))
    top = sorted(allr, reverse=True)[:3]
    check(y["Computed"] == 12 and len(y["Correlations"]) == 3, f"topcorrnum=3 of 12: {len(y['Correlations'])}")
    check(all(close(abs(i["Correlation"]), t, 1e-9) for i, t in zip(y["Correlations"], top)), "topcorrnum: the 3 strongest")
y = corr(maxrows=60, topcorrnum=0, correlationtype="spearman", threshhold=30, pvalue=1)
if check("Correlations" in y, f"threshhold/pvalue: {y}"):
    written[out] += y["Written"]
    want = 0
    for i, k1 in enumerate("abcd"):
        for k2 in "abcd"[i + 1:]:
            r, p = expected(60, "Spearman", streams[k1][2], streams[k2][2])
            want += abs(r) > 0.3 and p < 0.01
    check(y["Written"] == want and all(abs(i["Correlation"]) > 0.3 and i["Pvalue"] < 0.01 for i in y["Correlations"]),
          f"threshhold=30 pvalue=1 keeps {want}: {y['Written']}")

# bad input: an ERROR naming the parameter and the bad part, nothing written
text_t, text_p = topic("status")
produce(text_t, text_p, [1, 2, "warn", 3, 4, 5])
empty_t, _ = topic("empty")
for params, parameter, part in (
    ({"streamstojoin": f"{streams['a'][0]},nosuchstream"}, "streamstojoin", "nosuchstream"),
    ({"streamstojoin": f"{streams['a'][0]},{text_t}"}, "streamstojoin", "warn"),
    ({"streamstojoin": f"{streams['a'][0]},{empty_t}"}, "streamstojoin", empty_t),
    ({"correlationtype": "pearson,cosine"}, "correlationtype", "cosine"),
    ({"correlationtype": "ks"}, "correlationtype", "ks"),
    ({"mincorrvectorlen": 100, "maxrows": 60}, "maxrows", "100"),
    ({"threshhold": 150}, "threshhold", "150"),
    ({"preprocesstopic": "no-such-output"}, "preprocesstopic", "no-such-output"),
):
    y = corr(**params)
    e = y.get("ERROR", "") if isinstance(y, dict) else ""
    check(parameter in e and part in e, f"bad {params}: {y}")

# k-means: two-dimensional readings of 30 devices in three groups, as JSON rows
pts_t, pts_p = topic("readings")
centres_true = np.array([[20.0, 30.0], [60.0, 80.0], [90.0, 20.0]])
rows = []
for i in range(45):
    g = i % 3
    temp, hum = np.round(centres_true[g] + rng.normal(0, 4, 2), 2)
    kind = "reading" if i < 42 else "calibration"  # the last three are filtered out
    rows.append((f"dev{i}", float(temp), float(hum), kind))
    y = answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, pts_t, pts_p, externalprediction=f"dev{i},{temp},{hum},{kind}",
                                            subtopics="id,temp,hum,kind", array=1))
    assert "ERROR" not in json.dumps(y), y
clusters_t, _ = topic("clusters")
written[clusters_t] = 0


def cluster(**params):
    raw = maadstml.viperstreamcluster(TOKEN, HOST, PORT, pts_t, pts_p, maxrows=params.pop("maxrows", 100),
                                      valuekey=params.pop("valuekey", "temp,hum"), msgid="id", datetimekey="ts",
                                      preprocesstopic=params.pop("preprocesstopic", clusters_t), **params)
    return answer(raw)


def read_cluster_record(partition, offset):
    """The record as the topic holds it, read back through the client."""
    return answer(maadstml.viperconsumefromtopic(TOKEN, HOST, PORT, clusters_t, "", "OTICS", offset=offset,
                                                 partition=partition, preprocesstype="Kmeans"))


X = np.array([[r[1], r[2]] for r in rows if r[3] == "reading"])
for distancealgo in (1, 2):
    y = cluster(numclusters=3, iterations=300, distancealgo=distancealgo, filterkey="kind=reading",
                alertonclustersize=13)
    if not check("Clusters" in y, f"cluster distancealgo={distancealgo}: {y}"):
        continue
    written[clusters_t] += 1 + len(y["Alerts"])
    check(y["Points"] == 42 and y["Recordsskipped"] == 3, f"42 points, 3 filtered: {y['Points']} {y['Recordsskipped']}")
    record = None
    reads = read_cluster_record(y["Partition"], y["Offset"])
    for r in reads.get("StreamTopicDetails", {}).get("TopicReads", []):
        try:
            v = json.loads(r["Value"]) if isinstance(r.get("Value"), str) else r.get("Value")
        except (TypeError, ValueError):
            continue
        if isinstance(v, dict) and v.get("Preprocesstype") == "Kmeans" and r.get("Offset", y["Offset"]) == y["Offset"]:
            record = v
    if not check(record is not None, f"cluster record read back ({json.dumps(reads)[:600]})"):
        continue
    init = np.array(record["InitialCentres"])
    km = KMeans(n_clusters=3, init=init, n_init=1, max_iter=300, tol=0, algorithm="lloyd").fit(X)
    ours = np.array([p["Cluster"] for p in record["Points"]])
    check(np.array_equal(ours, km.labels_), f"labels as scikit-learn's: {ours} vs {km.labels_}")
    check(np.allclose(np.array([c["Centre"] for c in record["Clusters"]]), km.cluster_centers_, rtol=1e-9),
          "centres as scikit-learn's")
    check(close(record["Inertia"], km.inertia_, 1e-9), f"inertia {record['Inertia']} vs {km.inertia_}")
    sizes = np.bincount(km.labels_, minlength=3)
    check([c["Size"] for c in y["Clusters"]] == sizes.tolist(), f"sizes {y['Clusters']} vs {sizes}")
    d2 = ((X - km.cluster_centers_[km.labels_]) ** 2).sum(axis=1)
    want = np.sqrt(d2) if distancealgo == 1 else d2
    check(np.allclose([p["Distance"] for p in record["Points"]], want, rtol=1e-9), f"distances (distancealgo={distancealgo})")
    check(len(y["Alerts"]) == int((sizes > 13).sum()), f"alerts for clusters over 13: {y['Alerts']} sizes {sizes}")

# one point per device group (groupkey) and a value condition
y = cluster(numclusters=2, groupkey="kind", valuekey="temp", iterations=10)
if check("Clusters" in y and y["Points"] == 2, f"groupkey=kind gives 2 points: {y}"):
    written[clusters_t] += 1
y = cluster(numclusters=2, valuecondition="> 50", valuekey="temp", filterkey="kind=reading", minimumsubjects=0)
if check("Clusters" in y, f"valuecondition: {y}"):
    written[clusters_t] += 1
    check(y["Points"] == int((X[:, 0] > 50).sum()), f"valuecondition > 50 keeps {int((X[:, 0] > 50).sum())}: {y['Points']}")

for params, parameter, part in (
    ({"valuekey": "kind"}, "valuekey", "reading"),
    ({"numclusters": 50}, "numclusters", "50"),
    ({"numclusters": 3, "filterkey": "kind=nothing"}, "numclusters", "0"),
    ({"distancealgo": 3}, "distancealgo", "3"),
    ({"valuecondition": ">> 5"}, "valuecondition", ">> 5"),
    ({"filterkey": "kind"}, "filterkey", "kind"),
):
    y = cluster(**params)
    e = y.get("ERROR", "") if isinstance(y, dict) else ""
    check(parameter in e and part in e, f"bad {params}: {y}")

# streamcluster's point options, report and share alerts, on 12 patients' JSON readings produced newest
# first (so time order differs from arrival order): datetimekey orders the points, valueidentifier
# labels them, identifierextractpos* read the parts of each record's Identifier, rawdataoutput writes
# the records' values, alertonsubjectpercentage alerts on a cluster's share, and a PDF report
patients_t, patients_p = topic("patients")
patient_out, _ = topic("patient-clusters")
written[patient_out] = 0
patients = []
for i in range(12):
    near = i < 9  # nine near (20, 30), three near (80, 80)
    t_, h_ = (20 + (i % 3), 30 + (i % 2)) if near else (80 + i % 2, 80 - i % 3)
    patients.append({"id": f"p{i}", "temp": t_, "hum": h_, "ts": f"2026-01-01T00:00:{10 + i:02d}",
                     "corr": "temp,hum", "Identifier": f"Temp~Patient~p{i}~{43.6 + i / 100:.2f}~{-79.4 - i / 100:.2f}"
                                                       f"~Ward{i % 4}~extra{i}"})
arrival = list(reversed(patients))
for p in arrival:
    y = answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, patients_t, patients_p, externalprediction=json.dumps(p)))
    assert "ERROR" not in json.dumps(y), y


def patient_cluster(**params):
    raw = maadstml.viperstreamcluster(TOKEN, HOST, PORT, patients_t, patients_p, maxrows=50, valuekey="temp,hum",
                                      msgid="id", datetimekey=params.pop("datetimekey", "ts"), numclusters=2,
                                      iterations=100, preprocesstopic=patient_out, **params)
    return answer(raw)


def read_back(partition, offset):
    reads = answer(maadstml.viperconsumefromtopic(TOKEN, HOST, PORT, patient_out, "", "OTICS", offset=offset,
                                                  partition=partition))
    for r in reads.get("StreamTopicDetails", {}).get("TopicReads", []):
        if r.get("Offset") == offset:
            v = r.get("Value")
            return json.loads(v) if isinstance(v, str) else v
    return None


options = dict(valueidentifier="corr", identifierextractpos="1,2", identifierextractposlatitude=3,
               identifierextractposlongitude=4, identifierextractposlocation=5, identifierextractjoinedidentifiers=6)
y = patient_cluster(rawdataoutput=1, alertonclustersize=100, alertonsubjectpercentage=60, **options)
if check("Clusters" in y, f"patients clustered: {y}"):
    written[patient_out] += 1 + len(y["Alerts"])
    record = read_back(y["Partition"], y["Offset"]) or {}
    pts = record.get("Points", [])
    check([p["Id"] for p in pts] == [p["id"] for p in patients], f"points in datetimekey order: {[p['Id'] for p in pts]}")
    check([p.get("Time") for p in pts] == [p["ts"] + ".000Z" for p in patients], f"each point's time: {pts[:2]}")
    check(record.get("WindowStartTime") == patients[0]["ts"] + ".000Z"
          and record.get("WindowEndTime") == patients[-1]["ts"] + ".000Z", f"window from the times: {record}")
    check(all(p.get("Valueidentifier") == "temp,hum" for p in pts), "valueidentifier labels each point")
    parts = [p["Identifier"].split("~") for p in patients]
    check([p.get("Identifierextract") for p in pts] == [[q[1], q[2]] for q in parts], "identifierextractpos=1,2")
    check([p.get("Latitude") for p in pts] == [float(q[3]) for q in parts]
          and [p.get("Longitude") for p in pts] == [float(q[4]) for q in parts], "latitude and longitude positions")
    check([p.get("Location") for p in pts] == [q[5] for q in parts]
          and [p.get("Joinedidentifiers") for p in pts] == [q[6] for q in parts], "location and joined positions")
    # rawdataoutput=1: every record's values, in the order read (arrival), and its partition:offset
    check(record.get("RawData") == [[p["temp"], p["hum"]] for p in arrival]
          and len(record.get("MsgIdData", [])) == 12, f"RawData in arrival order: {record.get('RawData')}")
    # the 9 near points are one cluster: 75% of the subjects > 60% -> one alert, none by size
    sizes = sorted(c["Size"] for c in y["Clusters"])
    check(sizes == [3, 9] and len(y["Alerts"]) == 1, f"one share alert (9 of 12 > 60%): {sizes} {y['Alerts']}")
y = patient_cluster(alertonclustersize=100, alertonsubjectpercentage=80)
if check("Clusters" in y, f"patients clustered again: {y}"):
    written[patient_out] += 1 + len(y["Alerts"])
    record = read_back(y["Partition"], y["Offset"]) or {}
    check(len(y["Alerts"]) == 0 and "RawData" not in record and "Identifierextract" not in record["Points"][0],
          f"75% is not above 80%; rawdataoutput=0 and no positions leave them out: {y['Alerts']}")
# the PDF report, read back and its text extracted with pdfminer
y = patient_cluster(analysisdescription="Patients with similar symptoms cluster together.",
                    pdfformat="title=Cluster Analysis For OTICS|signature=Created by: OTICS, Toronto|"
                              "showpdfemaillist=0|charttitle=Chart Shows Clusters of Patients")
if check("Report" in y, f"a report with analysisdescription and pdfformat: {y}"):
    written[patient_out] += 2 + len(y["Alerts"])
    rep = read_back(y["Report"]["Partition"], y["Report"]["Offset"]) or {}
    pdf = base64.b64decode(rep.get("pdf", ""))
    check(pdf.startswith(b"%PDF-") and len(pdf) == y["Report"]["Bytes"], f"a PDF of {len(pdf)} bytes")
    text = " ".join(extract_text(io.BytesIO(pdf)).split())
    for part in ("Cluster Analysis For OTICS", "Patients with similar symptoms cluster together.",
                 "Created by: OTICS, Toronto", "Chart Shows Clusters of Patients", "9 points (75.0%)",
                 "3 points (25.0%)"):
        check(part in text, f"the report says '{part}': {text[:400]}")
for params, parameter, part in (
    ({"identifierextractpos": "1,x"}, "identifierextractpos", "x"),
    ({"identifierextractpos": "50"}, "identifierextractpos", "50"),
    ({"identifierextractposlatitude": 2}, "identifierextractposlatitude", "p"),
    ({"identifierextractposlocation": -2}, "identifierextractposlocation", "-2"),
    ({"datetimekey": "corr"}, "datetimekey", "temp,hum"),
    ({"pdfformat": "colour=red"}, "pdfformat", "colour=red"),
    ({"pdfformat": "title=x|showpdfemaillist=2"}, "pdfformat", "2"),
    ({"alertonsubjectpercentage": 150}, "alertonsubjectpercentage", "150"),
    ({"rawdataoutput": 3}, "rawdataoutput", "3"),
):
    y = patient_cluster(**params)
    e = y.get("ERROR", "") if isinstance(y, dict) else ""
    check(parameter in e and part in e, f"bad {params}: {y}")

# search anomalies: the newest search against the searches before it (the peer group)

searches_t, searches_p = topic("searches")
search_out, _ = topic("search-anomalies")
written[search_out] = 0


def search(query):
    y = answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, searches_t, searches_p, externalprediction=f"u1,{query}",
                                            subtopics="user,query", array=1))
    assert "ERROR" not in json.dumps(y), y


def check_search(**params):
    raw = maadstml.vipersearchanomaly(TOKEN, HOST, PORT, searches_t, searches_p, -1,
                                      jsoncriteria=params.pop("jsoncriteria", "uid=user~values=query"), maxrows=100,
                                      preprocesstopic=params.pop("preprocesstopic", search_out), **params)
    return answer(raw)


def similarity(history):
    """The share of the newest search's words found in the earlier ones, as a percentage."""
    tokens = [re.findall(r"[^\W_]+", q.lower()) for q in history]
    vocabulary = set(w for t in tokens[:-1] for w in t)
    return 100 * sum(w in vocabulary for w in tokens[-1]) / len(tokens[-1])


history = ["red running shoes", "blue running shoes", "red shoes sale", "running shoes", "shoes for kids",
           "cheap flights to paris"]
for q in history:
    search(q)
y = check_search(anomalythreshold=50)
if check("Similarity" in y, f"search anomaly: {y}"):
    written[search_out] += 1 + len(y["Alerts"])
    check(y["Search"] == history[-1] and close(y["Similarity"], similarity(history)) and y["Peersearches"] == 5,
          f"similarity {y['Similarity']} vs {similarity(history)}")
    check(y["Anomaly"] == 1 and len(y["Alerts"]) == 1, f"an unlike search is an anomaly: {y}")
history.append("red shoes for paris")
search(history[-1])
y = check_search(anomalythreshold=50)
if check("Similarity" in y, f"search anomaly 2: {y}"):
    written[search_out] += 1 + len(y["Alerts"])
    check(close(y["Similarity"], similarity(history)) and y["Similarity"] == 100 and y["Anomaly"] == 0,
          f"a search of known words: {y}")
y = check_search(anomalythreshold=50, searchterms="flights,paris", includeexclude=1)
if check("Similarity" in y, f"search anomaly 3: {y}"):
    written[search_out] += 1 + len(y["Alerts"])
    check(y["Anomaly"] == 1 and y["Matchedterms"] == ["paris"], f"a watched term flags it: {y}")
for params, parameter, part in (
    ({"entitysearch": "person"}, "entitysearch", "not supported"),
    ({"jsoncriteria": "uid=user"}, "jsoncriteria", "values="),
    ({"anomalythreshold": 150}, "anomalythreshold", "150"),
    ({"preprocesstopic": "no-such-topic"}, "preprocesstopic", "no-such-topic"),
):
    y = check_search(**params)
    e = y.get("ERROR", "") if isinstance(y, dict) else ""
    check(parameter in e and part in e, f"bad {params}: {y}")

# anomalies on text: a topictype=string peer group (how often each status occurred) and string rules
status_t, status_p = topic("door-status")
temp_t, temp_p = topic("door-temp")
statuses = ["ok", "ok", "warn", "ok", "ok", "warn", "ok", "ok", "warn", "ok", "ok", "ok"]
produce(status_t, status_p, statuses)
produce(temp_t, temp_p, [20, 21, 20, 22, 21, 20, 21, 22, 20, 21, 20, 21])
door = answer(maadstml.vipercreatejointopicstreams(TOKEN, HOST, PORT, f"door-joined-{RUN}", f"{status_t},{temp_t}",
                                                   "OTICS", "Sebastian", "s@example.org", "doors", "Toronto"))
door_t, door_p = door["Topic"], door["ProducerId"]


def sub(t):
    return answer(maadstml.vipersubscribeconsumer(TOKEN, HOST, PORT, t, "OTICS", "Sebastian", "s@example.org",
                                                  "Toronto", "doors"))["Consumerid"]


answer(maadstml.viperproducetotopicstream(TOKEN, HOST, PORT, door_t, door_p, -1, 12))
peers_t, peers_p = topic("door-peers")
alerts_t, alerts_p = topic("door-anomalies")
written[alerts_t] = 0
both = f"{status_t},{temp_t}"
y = answer(maadstml.viperanomalytrain(
    TOKEN, HOST, PORT, consumefrom=door_t, produceto=alerts_t, producepeergroupto=peers_t, produceridpeergroup=peers_p,
    consumeridproduceto="", streamstoanalyse=both, companyname="OTICS", consumerid=sub(door_t), producerid="",
    flags=f"topic={status_t},topictype=string~topic={temp_t},topictype=numeric,lag=5,zthresh=3", hpdehost=HOST,
    viperconfigfile="viper.env", hpdeport=8001))
check("PeerGroups" in y, f"text peer group trained: {y}")
peers_c = sub(peers_t)


def door_score(flags):
    return answer(maadstml.viperanomalypredict(
        TOKEN, HOST, PORT, consumefrom=peers_t, produceto=alerts_t, consumeinputstream=door_t, produceinputstreamtest="",
        produceridinputstreamtest="", streamstoanalyse=both, consumeridinputstream="", companyname="OTICS",
        consumerid=peers_c, producerid=alerts_p, flags=flags, hpdehost=HOST, viperconfigfile="viper.env",
        hpdeport=8001))


def share(value):
    return statuses.count(value) / len(statuses)


y = door_score("riskscore=0.5")
if check("Scores" in y, f"text scores: {y}"):
    written[alerts_t] += 1 + (1 if y["Alert"] else 0)
    s0 = y["Scores"][0]
    check(s0.get("Text") == "ok" and close(s0["Value"], share("ok")) and close(s0["Score"], 1 - share("ok"))
          and not s0["Anomaly"], f"'ok' is usual: {s0}")
rule = f"type=or,topic={status_t},topictype=string,stringcontains=1,v2=fire|smo^ke,sc>.9"
for new, anomalous in (("smoke", True), ("ok", False), ("warn", False)):
    produce(status_t, status_p, [new])
    produce(temp_t, temp_p, [21])
    answer(maadstml.viperproducetotopicstream(TOKEN, HOST, PORT, door_t, door_p, -1, 12))
    y = door_score(f"riskscore=0.5~{rule}")
    if check("Scores" in y, f"text rule {new}: {y}"):
        written[alerts_t] += 1 + (1 if y["Alert"] else 0)
        check(y["Scores"][0]["Anomaly"] == anomalous, f"'{new}' anomalous={anomalous} under {rule}: {y['Scores'][0]}")
for flags in (f"topic={status_t},topictype=string,v2=a^^b", f"topic={status_t},topictype=string,stringcontains=5"):
    y = door_score(flags)
    check("flags" in y.get("ERROR", ""), f"bad text rule {flags}: {y}")

print(json.dumps({"checks": len(checks), "failures": failures, "written": written}))
