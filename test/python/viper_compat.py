"""Every HTTP endpoint of the real maadstml client against `tml serve`, checked against the
compatibility table (src/server/viper/compatibility.json).

Run by test/server/viper-compat.test.ts. Arguments: host (with scheme), port, path of an admin token
file, path of compatibility.json. What it asserts:
- the client's functions, enumerated from the installed package, are exactly the table's (a function
  a new client release adds, or one the table names that the client lacks, fails the run);
- every function the table marks as an HTTP call is called at least once through the client, and
  what it sent is recorded from the client's own transport: the endpoint must be the table's and the
  parameter names on the wire exactly the table's (a parameter a new release adds fails the run);
- each answer: `full`/`partial` calls answer JSON without ERROR carrying the table's keys;
  `unsupported` calls answer {"ERROR": "... not supported ..."}; a call that needs resources this run
  does not have (`withoutClusters`: two Kafka clusters) must answer an ERROR naming the parameter,
  and the table names the test that checks it with them.
Prints one JSON line with what it checked; exits non-zero with every failure listed.
"""
import inspect
import json
import os
import sys
import time

import maadstml
import maadstml.sendfiles as transport

HOST, PORT, TOKEN_FILE, TABLE_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(TOKEN_FILE) as f:
    TOKEN = f.read()
with open(TABLE_FILE) as f:
    TABLE = json.load(f)

failures = []
checks = []


def check(condition, what):
    if condition:
        checks.append(what)
    else:
        failures.append(what)
    return condition


# ---- the client's own transport, wrapped to record what each call put on the wire ----
wire = []
_send = transport.tcp_echo_clientviper


async def recording(message, *args, **kwargs):
    endpoint, _, query = message.partition("?")
    names = [pair.split("=", 1)[0] for pair in query.split("&")] if query else []
    wire.append((endpoint, names))
    return await _send(message, *args, **kwargs)


transport.tcp_echo_clientviper = recording
calls = {}  # function name -> list of (endpoint, wire names, parsed answer or None, raw)


def call(name, *args, **kwargs):
    """Calls maadstml.<name> and records its wire request and answer."""
    before = len(wire)
    raw = getattr(maadstml, name)(TOKEN, HOST, PORT, *args, **kwargs) if name != "areyoubusy" \
        else maadstml.areyoubusy(HOST, PORT)
    sent = wire[before:]
    check(len(sent) == 1, f"{name}: the client sent one request (sent {len(sent)}; answer {str(raw)[:200]})")
    parsed = None
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw, strict="False")
        except ValueError:
            parsed = None
    endpoint, names = sent[-1] if sent else ("", [])
    calls.setdefault(name, []).append((endpoint, names, parsed, raw))
    return parsed


def ok(name, *args, **kwargs):
    """A call that must succeed: its answer, for the scenario's next steps."""
    y = call(name, *args, **kwargs)
    if not check(y is not None and not (isinstance(y, dict) and "ERROR" in y),
                 f"{name}: answers without ERROR: {str(calls[name][-1][3])[:300]}"):
        raise SystemExit(report())
    return y


def report():
    print(json.dumps({"ok": not failures, "checks": len(checks), "failures": failures,
                      "called": sorted(calls)}))
    return 1 if failures else 0


# ---- 1. the client's functions are the table's ----
functions = {name for name, f in inspect.getmembers(maadstml, inspect.isfunction)
             if f.__module__.startswith("maadstml")}
http = TABLE["functions"]
local = TABLE["outOfScope"]
check(not (functions - set(http) - set(local)),
      f"every client function is in the table (missing: {sorted(functions - set(http) - set(local))})")
check(not ((set(http) | set(local)) - functions),
      f"every function of the table is in the client (not found: {sorted((set(http) | set(local)) - functions)})")

# ---- 2. the scenario: every HTTP call at least once ----
CONTACT = ("OTICS", "Sebastian", "sebastian@example.org", "Toronto", "compatibility test")
RUN = str(int(time.time() * 1000) % 10**8)


def topic(name, partitions=1):
    y = ok("vipercreatetopic", f"{name}-{RUN}", *CONTACT, numpartitions=partitions, replication=1)
    return y["Topic"], y["ProducerId"]


def subscribe(t):
    return ok("vipersubscribeconsumer", t, *CONTACT)["Consumerid"]


# topics and their administration
streams = [topic(n, 1) for n in ("dv", "iv1", "iv2")]
scratch, scratch_producer = topic("scratch")
ok("viperlisttopics")
ok("viperstats")
ok("areyoubusy")
ok("vipermodifytopicdetails", scratch, "OTICS", contactname="Someone Else")
ok("viperdeactivatetopic", scratch)
ok("viperactivatetopic", scratch)

# produce: 60 rounds of a linear relation, by single values and in bulk
for i in range(30):
    for (t, p), v in zip(streams, (2 * i + 3 * ((i * 7) % 11) + 1, i, (i * 7) % 11)):
        ok("viperproducetotopic", t, p, 1, 100, "", "", "", 0, str(v))
# the value in `inputdata` (some callers), and a row of subtopics with array=1, to a scratch topic
ok("viperproducetotopic", scratch, scratch_producer, 1, 100, "17")
ok("viperproducetotopic", scratch, scratch_producer, externalprediction="1,2", subtopics="A,B", array=1)
for (t, p), col in zip(streams, ([2 * i + 3 * ((i * 7) % 11) + 1 for i in range(30, 60)],
                                 list(range(30, 60)), [(i * 7) % 11 for i in range(30, 60)])):
    ok("viperproducetotopicbulk", t, p, ",".join(str(v) for v in col))

# consume and consumers
c0 = subscribe(streams[0][0])
ok("viperconsumefromtopic", streams[0][0], c0, "OTICS", offset=0)
ok("viperconsumefromtopicbatch", streams[0][0], c0, "OTICS", offset=0)
ok("vipermodifyconsumerdetails", streams[0][0], "OTICS", c0, contactname="Other")
c_scratch = subscribe(scratch)
ok("viperunsubscribeconsumer", c_scratch)

# consumer groups
g = ok("vipercreateconsumergroup", streams[1][0], f"group-{RUN}", "OTICS", "Sebastian", "s@example.org",
       "compatibility test", "Toronto")
c1 = subscribe(streams[1][0])
ok("viperconsumergroupconsumefromtopic", streams[1][0], c1, g["Groupid"], "OTICS", offset=0)
ok("vipergroupdeactivate", g["Groupname"], g["Groupid"])
ok("vipergroupactivate", g["Groupname"], g["Groupid"])

# the TML flow: join, training set, training, predict, optimise
joined = f"joined-{RUN}"
j = ok("vipercreatejointopicstreams", joined, ",".join(t for t, _ in streams), "OTICS", "Sebastian",
       "s@example.org", "compatibility test", "Toronto")
joined_producer = j["ProducerId"]
joined_consumer = subscribe(joined)
ok("viperproducetotopicstream", joined, joined_producer, -1, 60)
ok("viperconsumefromstreamtopic", joined, joined_consumer, "OTICS", offset=0)
training, training_producer = topic("training")
ok("vipercreatetrainingdata", joined, training, streams[0][0], f"{streams[1][0]},{streams[2][0]}",
   joined_consumer, training_producer, "OTICS")
training_consumer = subscribe(training)
params, params_producer = topic("params")
trained = ok("viperhpdetraining", training, params, "OTICS", training_consumer, params_producer, HOST, "viper.env",
             hpdeport=8001, modelruns=5, timeout=60)
params_consumer = subscribe(params)
predictions, predictions_producer = topic("predictions")
ok("viperhpdepredict", params, predictions, "OTICS", params_consumer, predictions_producer, HOST, "10,5",
   hpdeport=8001, pathtoalgos="./models")
optimal, optimal_producer = topic("optimal")
ok("viperhpdeoptimize", params, optimal, "OTICS", params_consumer, optimal_producer, HOST, hpdeport=8001)
call("viperhpdepredictprocess", params, predictions, "OTICS", params_consumer, predictions_producer, HOST,
     "10,5", "avg", hpdeport=8001, pathtoalgos="./models")

# anomaly detection and preprocessing
peers, peers_producer = topic("peergroups")
alerts, alerts_producer = topic("anomalies")
analysed = ",".join(t for t, _ in streams[1:])
train_flags = "~".join(f"topic={t},topictype=numeric,threshnumber=0,lag=5,zthresh=3,influence=0.5"
                       for t, _ in streams[1:])
anomaly = dict(companyname="OTICS", hpdehost=HOST, hpdeport=8001, viperconfigfile="viper.env",
               streamstoanalyse=analysed)
ok("viperanomalytrain", consumefrom=joined, produceto=alerts, producepeergroupto=peers,
   produceridpeergroup=peers_producer, consumeridproduceto="", consumerid=joined_consumer,
   producerid=alerts_producer, flags=train_flags, **anomaly)
peers_consumer = subscribe(peers)
predict_flags = f"riskscore=0.5~complete=or~type=or,topic={streams[1][0]},topictype=numeric,v1>1000,sc>3"
ok("viperanomalypredict", consumefrom=peers, produceto=alerts, consumeinputstream=joined,
   produceinputstreamtest="", produceridinputstreamtest="", consumeridinputstream="", consumerid=peers_consumer,
   producerid=alerts_producer, flags=predict_flags, **anomaly)
ok("viperpreprocessproducetotopicstream", joined, joined_producer, -1, maxrows=20, preprocesslogic="max,min,avg")

# the calls VIPER runs continuously: solutions here
ok("viperhpdetrainingbatch", joined, f"batch-params-{RUN}", "OTICS", "", "", HOST, "", hpdeport=8001,
   modelruns=5, dependentvariable=streams[0][0], independentvariables=analysed, rollbackoffsets=40, timedelay=600)
ok("viperhpdepredictbatch", f"batch-params-{RUN}", f"batch-predictions-{RUN}", "OTICS", "", "", HOST, joined,
   hpdeport=8001, timedelay=600, pathtoalgos="./models")
ok("viperhpdeoptimizebatch", f"batch-params-{RUN}", f"batch-optimal-{RUN}", "OTICS", "", "", HOST,
   hpdeport=8001, timedelay=600)
ok("viperanomalytrainbatch", consumefrom=joined, produceto=f"batch-anomalies-{RUN}",
   producepeergroupto=f"batch-peers-{RUN}", produceridpeergroup="", consumeridproduceto="", consumerid="",
   producerid="", flags=train_flags, rollbackoffsets=40, timedelay=600, **anomaly)
ok("viperanomalypredictbatch", consumefrom=f"batch-peers-{RUN}", produceto=f"batch-anomalies-{RUN}",
   consumeinputstream=joined, produceinputstreamtest="", produceridinputstreamtest="", consumeridinputstream="",
   consumerid="", producerid="", flags=predict_flags, timedelay=600, **anomaly)
ok("viperpreprocessbatch", joined, joined_producer, -1, maxrows=40, preprocesslogic="max,min,avg",
   preprocesstopic=f"batch-preprocessed-{RUN}", timedelay=600)

# the calls tml does not serve: each must answer a clear ERROR
raw_json, raw_json_producer = topic("json")
ok("viperproducetotopic", raw_json, raw_json_producer, 1, 100, "", "", "", 0, '{"d":"a","n":"b","v":1}')
ok("viperpreprocesscustomjson", raw_json, raw_json_producer, -1, jsoncriteria="uid=d~subtopics=n~values=v",
   maxrows=5, preprocesslogic="max")
call("viperpreprocessrtms", joined, joined_producer, -1)
searches, searches_producer = topic("searches")
ok("viperproducetotopicbulk", searches, searches_producer, "red shoes,blue shoes,red hats,green shoes")
ok("vipersearchanomaly", searches, searches_producer, -1, jsoncriteria="uid=user~values=query", maxrows=10,
   searchterms="hats", anomalythreshold=50)
low = f"{streams[1][0]}_preprocessed_Min"  # written by the preprocess call above
ok("viperstreamquery", joined, joined_producer, streamstojoin=low, preprocessconditions=f"{low} > -1")
ok("viperstreamquerybatch", joined, joined_producer, streamstojoin=low, preprocessconditions=f"{low} > -1",
   timedelay=600)
ok("viperstreamcorr", joined, joined_producer, streamstojoin=analysed, maxrows=40, topcorrnum=2)
# the preprocessed items the preprocess call wrote into the joined topic, clustered by their value
ok("viperstreamcluster", joined, joined_producer, valuekey="hyperprediction", filterkey="Type=External",
   msgid="kafkakey", datetimekey="TimeStamp", numclusters=2, maxrows=100)
call("viperchatgptstream", openaikey="key", topic=joined, texttoanalyse="text", query="query", temperature=0.5,
     modelname="model", jsonpath="", produceto=alerts, maxrows=10)
call("vipermirrorbrokers", brokercloudusernamepassfrom="user:pass", brokercloudusernamepassto="user:pass", enabletlsfrom="0",
     enabletlsto="0", replicationfactorfrom="1", replicationfactorto="1", compressionfrom="none",
     compressionto="none", saslfrom="PLAIN", saslto="PLAIN", partitions="", brokerlistfrom="127.0.0.1:1",
     brokerlistto="127.0.0.1:2", topiclist=joined, rollbackoffset="0")

# last: deleting a topic
ok("viperdeletetopics", scratch)

# TML_COMPAT_DUMP=<file>: what each call sent, to update the table after a new client release
if os.environ.get("TML_COMPAT_DUMP"):
    with open(os.environ["TML_COMPAT_DUMP"], "w") as f:
        json.dump({name: {"endpoint": made[0][0], "parameters": made[0][1],
                          "answer": str(made[0][3])[:400],
                          "answerKeys": sorted(set.intersection(*[set(i) for i in made[0][2]]))
                          if isinstance(made[0][2], list) and made[0][2] and all(isinstance(i, dict) for i in made[0][2])
                          else sorted(made[0][2]) if isinstance(made[0][2], dict) else []} for name, made in sorted(calls.items())}, f, indent=1)

# ---- 3. each call against the table ----
def client_documentation():
    """The installed client's documentation: its package description (the PyPI text, one section per
    function) and its source's docstrings."""
    from importlib.metadata import metadata
    text = metadata("maadstml").get_payload() or ""
    return text + "\n".join(inspect.getdoc(f) or "" for _, f in inspect.getmembers(maadstml, inspect.isfunction))


DOCUMENTATION = client_documentation()
check(len(DOCUMENTATION) > 100_000, f"the client's documentation is installed ({len(DOCUMENTATION)} characters)")


def quote_documented(function, parameter, quote):
    """Whether `quote` is what the client's documentation says of `parameter` in `function`'s section
    (from `maadstml.<function>(` to the next numbered function), whitespace-insensitive."""
    squash = lambda t: " ".join(t.split())
    start = DOCUMENTATION.find(f"maadstml.{function}(")
    if start < 0 or not quote.strip():
        return False
    end = DOCUMENTATION.find("**", DOCUMENTATION.find("RETURNS", start))
    section = DOCUMENTATION[start:end if end > 0 else len(DOCUMENTATION)]
    at = section.find(f"*{parameter}*")
    if at < 0:
        return False
    following = section.find("\n*", at + len(parameter) + 2)
    return squash(quote) in squash(section[at:following if following > 0 else len(section)])



transport_only = set(TABLE["acceptedEverywhere"])
for name, entry in sorted(http.items()):
    made = calls.get(name)
    if not check(made, f"{name}: called at least once"):
        continue
    for endpoint, names, parsed, raw in made:
        check(endpoint == entry["endpoint"], f"{name}: calls '{entry['endpoint']}' (sent '{endpoint}')")
        check(names == entry["parameters"],
              f"{name}: sends the table's parameters (sent {json.dumps(names)})")
        ignored = set(entry.get("ignored", {}))
        check(ignored <= set(names), f"{name}: every ignored parameter is one the client sends")
        check(not (ignored & transport_only), f"{name}: ignored parameters are not repeated from acceptedEverywhere")
        # parameters the client's own documentation says VIPER ignores: each one the client sends, not
        # also in `ignored` or acceptedEverywhere, and its quote found in the client's documentation
        by_viper = entry.get("ignoredByViper", {})
        check(set(by_viper) <= set(names), f"{name}: every ignoredByViper parameter is one the client sends")
        check(not (set(by_viper) & (ignored | transport_only)),
              f"{name}: ignoredByViper parameters are not also in ignored or acceptedEverywhere")
        for parameter, quote in by_viper.items():
            check(quote_documented(name, parameter, quote),
                  f"{name}: the client's documentation of '{parameter}' says \"{quote}\"")
        status = entry["status"]
        check(status in ("full", "partial", "unsupported"), f"{name}: status '{status}' is known")
        check(status == "unsupported" or (status == "full") == (not ignored),
              f"{name}: 'full' exactly when no parameter is ignored")
        if status == "unsupported":
            check(isinstance(parsed, dict) and "not supported" in parsed.get("ERROR", "")
                  and entry.get("reason"), f"{name}: unsupported answers ERROR and the table says why: {raw}")
            continue
        if "withoutClusters" in entry:
            # this run has no Kafka clusters to copy between: the call must reach the endpoint and name
            # the unreachable cluster; the copy itself is checked by the test the table names
            check(isinstance(parsed, dict) and f"parameter '{entry['withoutClusters']['errorNames']}'"
                  in parsed.get("ERROR", "") and entry["withoutClusters"].get("checkedBy"),
                  f"{name}: without clusters, answers an ERROR naming the cluster: {str(raw)[:200]}")
            continue
        check(parsed is not None and not (isinstance(parsed, dict) and "ERROR" in parsed),
              f"{name}: answers JSON without ERROR: {str(raw)[:200]}")
        shape = entry["answer"]
        items = parsed if isinstance(parsed, list) else [parsed]
        check(isinstance(parsed, list) == (shape.get("type") == "array"),
              f"{name}: answers a JSON {shape.get('type', 'object')}")
        for key in shape.get("keys", []):
            check(all(isinstance(i, dict) and key in i for i in items), f"{name}: every answer item has '{key}'")
        for key in shape.get("someItemKeys", []):
            check(any(isinstance(i, dict) and key in i for i in items), f"{name}: an answer item has '{key}'")

sys.exit(report())
