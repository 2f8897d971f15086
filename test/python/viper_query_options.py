"""The stream-query options and the timedelay waits through the real maadstml client against
`tml serve`, each checked against values computed here from the rows produced:
- viperstreamquery with array=1 (streams are fields of producetotopic array=1 rows), offset n >= 0
  (the window from offset n), wherecondition on wheresearchkey ([exact], (contains), {excludes},
  bare = exact, as the client's item 32 says), rawdataoutput 1 (RawData/MsgIdData) and 0;
- viperstreamquerybatch refusing a bad wherecondition or topicid without making a solution;
- viperpreprocesscustomjson's pathtotmlattrs (each device's attributes) and usemysql=1 (devices
  tracked in the topic tml-tmlids, which the test reads);
- viperstreamcorr's array rows, wherecondition, topicid, rawdataoutput, outputtopicnames,
  identifierextractpos and raw JSON (jsoncriteria, with usemysql/pathtotmlattrs), against Pearson's r
  computed here;
- viperpreprocesscustomjson and vipersearchanomaly with timedelay: a call on an empty topic waits
  for the record another thread produces a second later; without timedelay the same call fails;
- bad input answering {"ERROR": ...} naming the parameter and writing nothing.

Run by test/server/python-query-options.test.ts. Arguments: host (with scheme), port, admin token
file. Prints one JSON line {"checks", "failures", "written", "rawdata"}: `written` is how many
records the successful calls wrote into each output topic (the test compares with the topics).
"""
import json
import sys
import threading
import time

import maadstml

HOST, PORT, TOKEN_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(TOKEN_FILE) as f:
    TOKEN = f.read()
RUN = str(int(time.time() * 1000) % 10**8)
failures, checks = [], []
written = {}


def check(condition, what):
    (checks if condition else failures).append(what)
    return condition


def answer(raw):
    try:
        return json.loads(raw, strict=False)
    except (TypeError, ValueError):
        return {"ERROR": f"not JSON: {raw!r}"}


def topic(name):
    y = answer(maadstml.vipercreatetopic(TOKEN, HOST, PORT, f"{name}-{RUN}", "OTICS", "Sebastian",
                                         "s@example.org", "Toronto", "query options test"))
    written[y["Topic"]] = 0
    return y["Topic"], y["ProducerId"]


def error_naming(y, parameter, what):
    message = y.get("ERROR", "") if isinstance(y, dict) else ""
    return check(f"'{parameter}'" in message or parameter in message, f"{what}: ERROR names {parameter}: {y}")


# ---- rows of two numeric fields and a site, produced with array=1 (one JSON row per record) ----
rows_topic, rows_p = topic("rows")
ROWS = [{"A": i + 1, "B": 10 * (i + 1), "site": "south" if i % 3 == 0 else "north"} for i in range(9)]
for row in ROWS:
    y = answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, rows_topic, rows_p, externalprediction=
                                            f"{row['A']},{row['B']},{row['site']}", subtopics="A,B,site", array=1))
    check("ERROR" not in json.dumps(y), f"array row {row}: {y}")
written[rows_topic] = len(ROWS)
results, _ = topic("results")


def query(conditions, **options):
    return answer(maadstml.viperstreamquery(TOKEN, HOST, PORT, rows_topic, rows_p, streamstojoin="A,B",
                                            preprocessconditions=conditions, preprocesstopic=results, **options))


def ok_query(conditions, what, **options):
    """A query that must answer; counts its result and alert records."""
    y = query(conditions, **options)
    if not check(isinstance(y, dict) and "ERROR" not in y and "Queries" in y, f"{what}: answers {y}"):
        return {"Queries": [{}], "Result": None}
    written[results] += len(y["Queries"]) + sum(q["Result"] for q in y["Queries"])
    return y


# array=1: the newest row's fields
newest = ROWS[-1]
y = ok_query("A > 8 and B > 80", "array=1 newest", array=1)
q = y["Queries"][0]
check(y["Result"] == int(newest["A"] > 8 and newest["B"] > 80) == 1
      and q.get("Inputs", {}).get("A", {}).get("value") == newest["A"]
      and q["Inputs"]["B"]["value"] == newest["B"] and q["Inputs"]["A"]["offset"] == len(ROWS) - 1,
      f"array=1 reads the newest row's fields A={newest['A']}, B={newest['B']}: {q}")
# offset n >= 0: the window from offset n (maxrows 1: the row at offset n)
for n in (0, 4):
    y = ok_query("A > 4", f"offset {n}", array=1, offset=n, maxrows=1)
    q = y["Queries"][0]
    check(q.get("Inputs", {}).get("A", {}).get("value") == ROWS[n]["A"] and q["Inputs"]["A"]["offset"] == n
          and y["Result"] == int(ROWS[n]["A"] > 4), f"offset {n}: the row at offset {n} (A={ROWS[n]['A']}): {q}")
# offset n with maxrows 3: the last row of offsets n..n+2
y = ok_query("A > 4", "offset 2 maxrows 3", array=1, offset=2, maxrows=3)
check(y["Queries"][0].get("Inputs", {}).get("A", {}).get("value") == ROWS[4]["A"],
      f"offset 2, maxrows 3: the last of offsets 2..4 (A={ROWS[4]['A']}): {y['Queries'][0]}")
# wherecondition on wheresearchkey=site, each form, against the rows filtered here
forms = {"[south]": lambda s: s == "south", "(sou)": lambda s: "sou" in s, "{south}": lambda s: "south" not in s,
         "south": lambda s: s == "south", "[sou]": lambda s: s == "sou"}
for condition, keep in forms.items():
    matching = [i for i, r in enumerate(ROWS) if keep(r["site"])]
    y = query("A > 0", array=1, wherecondition=condition, wheresearchkey="site")
    if not matching:
        check(isinstance(y, dict) and "wherecondition" in y.get("ERROR", "") and condition in y["ERROR"],
              f"where {condition} matches no row: ERROR naming wherecondition: {y}")
        continue
    check(isinstance(y, dict) and "ERROR" not in y, f"where {condition}: {y}")
    if "ERROR" in y:
        continue
    written[results] += 2  # a result and its alert (A > 0 holds)
    q = y["Queries"][0]
    check(q.get("Inputs", {}).get("A", {}).get("offset") == matching[-1]
          and q["Inputs"]["A"]["value"] == ROWS[matching[-1]]["A"],
          f"where {condition} on site: the newest matching row (offset {matching[-1]}): {q}")
# rawdataoutput: 1 (the client's default) answers and writes the inputs' values and records; 0 does not
y = ok_query("A > 100 and B > 1000", "rawdataoutput=1", array=1)
q = y["Queries"][0]
check(q.get("RawData") == [newest["A"], newest["B"]] and q.get("MsgIdData") == [f"0:{len(ROWS) - 1}"] * 2,
      f"rawdataoutput=1: RawData and MsgIdData of the inputs: {q}")
y = ok_query("A > 100 and B > 1000", "rawdataoutput=0", array=1, rawdataoutput=0)
check("RawData" not in y["Queries"][0] and "MsgIdData" not in y["Queries"][0],
      f"rawdataoutput=0: no RawData: {y['Queries'][0]}")
RAWDATA = {"with": [newest["A"], newest["B"]]}  # the test reads the last two result records

# bad input: each answers an ERROR naming the parameter and writes nothing
error_naming(query("A > 0", array=1, wherecondition="[south", wheresearchkey="site"), "wherecondition",
             "an unclosed [")
error_naming(query("A > 0", array=1, wherecondition="south", wheresearchkey="a..b"), "wheresearchkey",
             "an empty path part")
error_naming(query("A > 0", array=1, offset=-5), "offset", "offset -5")
error_naming(query("A > 0", array=1, offset="x"), "offset", "offset x")
error_naming(query("A > 0", array=1, rawdataoutput=7), "rawdataoutput", "rawdataoutput 7")
error_naming(query("A > 0", array=0), "streamstojoin", "array=0: A is not a named stream")
for bad, parameter in ((dict(wherecondition="{north"), "wherecondition"), (dict(topicid="dev-1," + "x" * 201), "topicid"),
                       (dict(offset=-3), "offset")):
    y = answer(maadstml.viperstreamquerybatch(TOKEN, HOST, PORT, rows_topic, rows_p, streamstojoin="A,B",
                                              preprocessconditions="A > 0", preprocesstopic=results, array=1,
                                              timedelay=1, **bad))
    error_naming(y, parameter, f"streamquerybatch {bad}")
# the batch with the options: its solution's first run queries the newest south row (the test reads it)
batch_results = f"batch-results-{RUN}"
y = answer(maadstml.viperstreamquerybatch(TOKEN, HOST, PORT, rows_topic, rows_p, streamstojoin="A,B",
                                          preprocessconditions="A > 0", preprocesstopic=batch_results, array=1,
                                          timedelay=600, wherecondition="(south)", wheresearchkey="site"))
check(isinstance(y, dict) and "ERROR" not in y and y.get("Steps"), f"streamquerybatch with the options: {y}")
BATCH = {"topic": batch_results, "offset": max(i for i, r in enumerate(ROWS) if r["site"] == "south")}


# ---- timedelay: wait for a record produced a second after the call ----
def later(t, p, values, seconds=1.0):
    def run():
        time.sleep(seconds)
        for value in values:
            answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, t, p, externalprediction=value))
    thread = threading.Thread(target=run)
    thread.start()
    return thread


RECORD = '{"d":"dev-1","n":"volts","v":230}'
raw_topic, raw_p = topic("raw")
pre, _ = topic("preprocessed")
custom = dict(jsoncriteria="uid=d~subtopics=n~values=v", maxrows=5, preprocesslogic="max", preprocesstopic=pre)
y = answer(maadstml.viperpreprocesscustomjson(TOKEN, HOST, PORT, raw_topic, raw_p, -1, **custom))
check(isinstance(y, dict) and "jsoncriteria" in y.get("ERROR", ""), f"custom JSON on an empty topic, no wait: {y}")
for bad in (-1, 61, "soon"):
    y = answer(maadstml.viperpreprocesscustomjson(TOKEN, HOST, PORT, raw_topic, raw_p, -1, timedelay=bad, **custom))
    error_naming(y, "timedelay", f"custom JSON timedelay {bad}")
thread = later(raw_topic, raw_p, [RECORD])
y = answer(maadstml.viperpreprocesscustomjson(TOKEN, HOST, PORT, raw_topic, raw_p, -1, timedelay=20, **custom))
thread.join()
written[raw_topic] += 1
check(isinstance(y, list) and len(y) == 1 and y[0].get("hyperprediction") == "230"
      and y[0].get("PreprocessIdentifier") == "dev-1",
      f"custom JSON with timedelay=20 waits for the record produced a second later: {y}")
written[pre] += 1 if isinstance(y, list) else 0

# pathtotmlattrs: each device's attributes from its newest record in its items; usemysql=1 tracks the
# devices (TMLIDs) in the topic tml-tmlids (the test reads it); usemysql=0 tracks nothing
patients_t, patients_p = topic("patients")
pre2, _ = topic("patients-preprocessed")
readings = [{"pid": f"pt-{i % 2}", "obs": "hr", "v": 60 + i, "oem": f"oem-{i}", "pos": {"lat": 43 + i, "long": -79 - i}}
            for i in range(6)]
for r in readings:
    answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, patients_t, patients_p, externalprediction=json.dumps(r)))
written[patients_t] += len(readings)
newest_of = {r["pid"]: r for r in readings}  # the last record of each patient
tml = dict(jsoncriteria="uid=pid~subtopics=obs~values=v", maxrows=10, preprocesslogic="avg", preprocesstopic=pre2,
           pathtotmlattrs="oem=oem,lat=pos.lat,long=pos.long")
y = answer(maadstml.viperpreprocesscustomjson(TOKEN, HOST, PORT, patients_t, patients_p, -1, usemysql=1, **tml))
if check(isinstance(y, list) and len(y) == 2, f"custom JSON with pathtotmlattrs and usemysql=1: {y}"):
    written[pre2] += 2
    for item in y:
        r = newest_of[item["PreprocessIdentifier"]]
        check(item.get("Tmlattrs") == {"oem": r["oem"], "lat": str(r["pos"]["lat"]), "long": str(r["pos"]["long"])},
              f"{item['PreprocessIdentifier']}: attributes of its newest record: {item.get('Tmlattrs')}")
y = answer(maadstml.viperpreprocesscustomjson(TOKEN, HOST, PORT, patients_t, patients_p, -1, usemysql=0,
                                              **{**tml, "pathtotmlattrs": ""}))
if check(isinstance(y, list) and len(y) == 2 and all("Tmlattrs" not in i for i in y),
         f"without pathtotmlattrs, no attributes: {y}"):
    written[pre2] += 2
for bad in ("oem", "oem=", "a b=c", "oem=x..y", "oem=a,oem=b"):
    y = answer(maadstml.viperpreprocesscustomjson(TOKEN, HOST, PORT, patients_t, patients_p, -1, usemysql=1,
                                                  **{**tml, "pathtotmlattrs": bad}))
    error_naming(y, "pathtotmlattrs", f"pathtotmlattrs {bad!r}")
error_naming(answer(maadstml.viperpreprocesscustomjson(TOKEN, HOST, PORT, patients_t, patients_p, -1, usemysql=2,
                                                       **tml)), "usemysql", "usemysql 2")
TMLIDS = {pid: {"oem": r["oem"], "lat": str(r["pos"]["lat"]), "long": str(r["pos"]["long"]), "records": 3}
          for pid, r in newest_of.items()}

# ---- viperstreamcorr's options, against Pearson's r computed here ----
def pearson(x, y):
    mx, my = sum(x) / len(x), sum(y) / len(y)
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    return sxy / (sum((a - mx) ** 2 for a in x) * sum((b - my) ** 2 for b in y)) ** 0.5


pairs_t, pairs_p = topic("pairs")
corr_out, _ = topic("correlations")
PA = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8]
PB = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5]
SITES = ["east" if i % 2 == 0 else "west" for i in range(12)]
for i in range(12):
    # devices 1 and 2 (topicid: the record key), alternating with the sites
    y = answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, pairs_t, pairs_p, externalprediction=
                                            f"{PA[i]},{PB[i]},{SITES[i]},X~{SITES[i]}~row{i}",
                                            subtopics="A,B,site,Identifier", array=1, topicid=1 + (i // 6)))
    check("ERROR" not in json.dumps(y), f"pair row {i}: {y}")
written[pairs_t] += 12


def corr(**options):
    y = answer(maadstml.viperstreamcorr(TOKEN, HOST, PORT, pairs_t, pairs_p, maxrows=50, correlationtype="pearson",
                                        preprocesstopic=corr_out, **options))
    if isinstance(y, dict) and "Correlations" in y:
        written[corr_out] += y["Written"]
    return y


def read_back(t, partition, offset):
    reads = answer(maadstml.viperconsumefromtopic(TOKEN, HOST, PORT, t, "", "OTICS", offset=offset, partition=partition))
    for r in reads.get("StreamTopicDetails", {}).get("TopicReads", []):
        if r.get("Offset") == offset:
            v = r.get("Value")
            return json.loads(v) if isinstance(v, str) else v
    return {}


def only(y, what):
    ok_ = check(isinstance(y, dict) and len(y.get("Correlations", [])) == 1, f"{what}: one correlation: {y}")
    return y["Correlations"][0] if ok_ else {}


east = [i for i in range(12) if SITES[i] == "east"]
c = only(corr(streamstojoin="A,B", array=1, rawdataoutput=1, outputtopicnames=1, identifierextractpos="1,2"),
         "array=1")
check(abs(c.get("Correlation", 9) - pearson(PA, PB)) < 1e-9 and c.get("Numberofmessages") == 12,
      f"array=1: Pearson of fields A and B of the 12 rows ({pearson(PA, PB)}): {c}")
record = read_back(corr_out, c.get("Partition"), c.get("Offset")) if c else {}
check(record.get("RawData") == [PA, PB] and record.get("MsgIdData") == [[f"0:{i}" for i in range(12)]] * 2,
      f"rawdataoutput=1: the values correlated and their records: {record.get('RawData')} {record.get('MsgIdData')}")
check(record.get("Topicnames") == [pairs_t, pairs_t], f"outputtopicnames=1: {record.get('Topicnames')}")
check(record.get("Identifierextract") == [["west", "row11"]] * 2,
      f"identifierextractpos=1,2 of the newest row (row 11): {record.get('Identifierextract')}")
c = only(corr(streamstojoin="A,B", array=1, wherecondition="[east]", wheresearchkey="site"), "where [east]")
check(abs(c.get("Correlation", 9) - pearson([PA[i] for i in east], [PB[i] for i in east])) < 1e-9
      and c.get("Numberofmessages") == 6, f"wherecondition [east] on site: the 6 east rows: {c}")
record = read_back(corr_out, c.get("Partition"), c.get("Offset")) if c else {}
check("RawData" not in record and "Topicnames" not in record and "Identifierextract" not in record,
      f"rawdataoutput=0, outputtopicnames=0, no positions: none of them written: {sorted(record)}")
c = only(corr(streamstojoin="A,B", array=1, wherecondition="{eas}", wheresearchkey="site"), "where {eas}")
check(abs(c.get("Correlation", 9) - pearson([PA[i] for i in range(12) if i not in east],
                                             [PB[i] for i in range(12) if i not in east])) < 1e-9,
      f"wherecondition {{eas}}: the west rows: {c}")
c = only(corr(streamstojoin="A,B", array=1, topicid=2), "topicid 2")
check(abs(c.get("Correlation", 9) - pearson(PA[6:], PB[6:])) < 1e-9 and c.get("Numberofmessages") == 6,
      f"topicid=2: device 2's six rows: {c}")

# raw JSON (jsoncriteria): two patients' heart rate and temperature as subtopics, correlated over
# both; usemysql=1 tracks the two TMLIDs with their attributes (pathtotmlattrs; the test reads them)
raw_t, raw_p = topic("vitals")
HR = [60, 72, 65, 80, 77, 69]
TEMP = [36.5, 37.1, 36.8, 37.9, 37.4, 36.9]
for i in range(6):
    for name, value in (("hr", HR[i]), ("temp", TEMP[i])):
        doc = {"pid": f"v-{i % 2}", "obs": name, "v": value, "ward": f"w{i % 2}"}
        answer(maadstml.viperproducetotopic(TOKEN, HOST, PORT, raw_t, raw_p, externalprediction=json.dumps(doc)))
written[raw_t] += 12
c = only(answer(maadstml.viperstreamcorr(TOKEN, HOST, PORT, raw_t, raw_p, maxrows=50, correlationtype="pearson",
                                        preprocesstopic=corr_out, jsoncriteria="uid=pid~subtopics=obs~values=v",
                                        usemysql=1, pathtotmlattrs="ward=ward")), "jsoncriteria")
written[corr_out] += 1 if c else 0
check(abs(c.get("Correlation", 9) - pearson(HR, TEMP)) < 1e-9 and c.get("Streams") == "hr,temp",
      f"jsoncriteria: hr and temp of the raw JSON correlated ({pearson(HR, TEMP)}): {c}")
CORR_TMLIDS = {f"v-{k}": {"ward": f"w{k}", "records": 6} for k in range(2)}
for bad, parameter in (({"streamstojoin": "A,B", "array": 1, "wherecondition": "(east"}, "wherecondition"),
                       ({"streamstojoin": "A,B", "array": 1, "identifierextractpos": "1,y"}, "identifierextractpos"),
                       ({"streamstojoin": "A,B", "array": 1, "identifierextractpos": "9"}, "identifierextractpos"),
                       ({"streamstojoin": "A,B", "array": 1, "topicid": "x"}, "topicid"),
                       ({"streamstojoin": "A,B", "array": 1, "usemysql": 1}, "usemysql"),
                       ({"streamstojoin": "A,B", "array": 1, "pathtotmlattrs": "w=ward"}, "pathtotmlattrs"),
                       ({"streamstojoin": "A,B", "array": 1, "outputtopicnames": 5}, "outputtopicnames"),
                       ({"streamstojoin": "A,C", "array": 1}, "streamstojoin"),
                       ({"streamstojoin": "hr,pulse", "jsoncriteria": "uid=pid~subtopics=obs~values=v"}, "streamstojoin"),
                       ({"jsoncriteria": "uid=pid~subtopics=obs"}, "jsoncriteria")):
    error_naming(corr(**bad), parameter, f"streamcorr {bad}")

searches, searches_p = topic("searches")
alerts, _ = topic("search-results")
search = dict(jsoncriteria="uid=user~values=query", maxrows=10, searchterms="hats", anomalythreshold=50,
              preprocesstopic=alerts)
y = answer(maadstml.vipersearchanomaly(TOKEN, HOST, PORT, searches, searches_p, -1, **search))
check(isinstance(y, dict) and "maxrows" in y.get("ERROR", ""), f"search anomaly on an empty topic, no wait: {y}")
error_naming(answer(maadstml.vipersearchanomaly(TOKEN, HOST, PORT, searches, searches_p, -1, timedelay=-2,
                                                **search)), "timedelay", "search anomaly timedelay -2")
thread = later(searches, searches_p, ["red shoes", "blue shoes"])
y = answer(maadstml.vipersearchanomaly(TOKEN, HOST, PORT, searches, searches_p, -1, timedelay=20, **search))
thread.join()
written[searches] += 2
# "blue shoes" against the peer "red shoes": 1 of its 2 words known, similarity 50, not below 50
check(isinstance(y, dict) and y.get("Search") == "blue shoes" and y.get("Similarity") == 50
      and y.get("Anomaly") == 0 and y.get("Peersearches") == 1,
      f"search anomaly with timedelay=20 waits for the searches produced a second later: {y}")
written[alerts] += 1 if isinstance(y, dict) and "ERROR" not in y else 0

print(json.dumps({"ok": not failures, "checks": len(checks), "failures": failures, "written": written,
                  "results": results, "rawdata": RAWDATA, "batch": BATCH,
                  "tmlids": TMLIDS, "patients": patients_t,
                  "corrtmlids": CORR_TMLIDS, "vitals": raw_t}))
sys.exit(1 if failures else 0)
