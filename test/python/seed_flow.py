"""The whole seed TML flow (../shared/seed), through the real maadstml client, against `tml serve`.

Run by test/server/python-seed-flow.test.ts. Arguments: host (with scheme), port, path of admin.tok.
The seed's steps, names and values are kept; what differs:
- host, port and token (the token is read raw from admin.tok, as the seed's getparams() does);
- the seed was written for the older `maads` client, whose viperhpdetraining and viperhpdepredict
  take their optional parameters in another order than maadstml 3.70: those two calls pass the
  seed's values by keyword (and maadstml requires a non-empty `pathtoalgos`, which tml ignores);
- the training passes deploy=1: the seed's client sent no `deploy` and VIPER answered "Deployed":1
  (protocol §4.1), while maadstml sends deploy=0 unless told; the seed then predicts with usedeploy=1;
- TML_SEED_REPLICATION (default 3, the seed's) when the cluster has fewer brokers than that.
Prints one JSON line with what it checked; exits non-zero on the first failed check.
"""
import json
import math
import os
import random
import re
import sys

import maadstml as maads

VIPERHOST, VIPERPORT, ADMIN_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
hpdehost = VIPERHOST
hpdeport = 8001  # accepted and ignored: the engine runs inside tml
viperconfigfile = "viper.env"
REPLICATION = int(os.environ.get("TML_SEED_REPLICATION", "3"))

with open(ADMIN_FILE, "r") as f:
    VIPERTOKEN = f.read()

PRODUCER = re.compile(r"^ProducerId-[A-Za-z0-9_-]{30}$")
CONSUMER = re.compile(r"^ConsumerId-[A-Za-z0-9_-]{30}$")
GROUP = re.compile(r"^GroupId-[A-Za-z0-9_-]{30}$")
checked = []


def check(condition, what):
    if not condition:
        print("FAILED: " + what, file=sys.stderr)
        sys.exit(1)
    checked.append(what)


def parse(result, what):
    check(isinstance(result, str), what + ": the client got an answer (not None): " + repr(result)[:200])
    y = json.loads(result, strict="False")
    check(not (isinstance(y, dict) and "ERROR" in y), what + ": no ERROR: " + result[:300])
    return y


def finite(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def createtopic(name):
    result3 = maads.vipercreatetopic(VIPERTOKEN, VIPERHOST, VIPERPORT, name, "OTICS", "Sebastian",
                                     "Sebastian.maurice", "Toronto", "Test Training", enabletls=1,
                                     brokerhost='', brokerport=-999, numpartitions=3, replication=REPLICATION,
                                     microserviceid='')
    y = parse(result3, "createtopics " + name)
    check(y["Topic"] == name, "createtopics answers the topic")
    check(PRODUCER.match(y["ProducerId"]) is not None, "ProducerId has VIPER's form")
    return y["ProducerId"]


def subscribe(name):
    result3 = maads.vipersubscribeconsumer(VIPERTOKEN, VIPERHOST, VIPERPORT, name, "OTICS", "Sebastian", "Sebastian.Maurice"
                                           "Toronto", "Test", "Test", brokerhost='', brokerport=-999, groupid='',
                                           microserviceid='')
    y = parse(result3, "subscribeconsumer " + name)
    check(CONSUMER.match(y["Consumerid"]) is not None and y["Topic"] == name, "Consumerid has VIPER's form")
    return y["Consumerid"]


#                                     CREATE TOPICS IN KAFKA
producerid1 = createtopic("viperdependentvariable")
producerid2 = createtopic("viperindependentvariable1")
producerid3 = createtopic("viperindependentvariable2")

#                                     PRODUCE External Value to TOPIC STREAMS
topics = ["viperdependentvariable", "viperindependentvariable1", "viperindependentvariable2"]
producerids = [producerid1, producerid2, producerid3]
for j in range(500):
    for t, p in zip(topics, producerids):
        num = str(random.randrange(1000))
        result = maads.viperproducetotopic(VIPERTOKEN, VIPERHOST, VIPERPORT, t, p, 1, 1000, '', '', '', 0, num)
        y = parse(result, "producetotopic")
        check(y["Topic"] == t and isinstance(y["Offset"], int) and isinstance(y["Partition"], int),
              "producetotopic answers where it wrote")

#                                     JOIN DATA STREAMS
joinedtopic = "joined-viper-test11"
result = maads.vipercreatejointopicstreams(VIPERTOKEN, VIPERHOST, VIPERPORT, "joined-viper-test11",
                                           "viperdependentvariable,viperindependentvariable1,viperindependentvariable2",
                                           "OTICS", "Sebastian", "Sebastian.Maurice", "Test", "Toronto",
                                           enabletls=1, brokerhost="", brokerport=-999, replication=REPLICATION,
                                           numpartitions=3, microserviceid='')
y = parse(result, "createjointopicstreams")
topic = y['Topic']
producerid = y['ProducerId']
check(topic == joinedtopic and PRODUCER.match(producerid) is not None, "createjointopicstreams answers Topic, ProducerId")
again = parse(maads.vipercreatejointopicstreams(VIPERTOKEN, VIPERHOST, VIPERPORT, "joined-viper-test11",
                                                "viperdependentvariable,viperindependentvariable1,viperindependentvariable2",
                                                "OTICS", "Sebastian", "Sebastian.Maurice", "Test", "Toronto"),
              "createjointopicstreams again")
check(again.get("WARN") == "Topic already exists" and again["ProducerId"] == producerid,
      "an existing joined topic answers WARN and the same producer id (the seed's printed output)")

#                                     SUBSCRIBE TO STREAM TOPIC
consumerid = subscribe(topic)

#                                      PRODUCE DATA TO STREAM: joined-viper-test11 (ROLLBACK 50 offsets)
result2 = maads.viperproducetotopicstream(VIPERTOKEN, VIPERHOST, VIPERPORT, topic, producerid, -1, 50, 1, 10000, '', -999, '')
y = parse(result2, "producetotopicstream")
check(isinstance(y, list), "producetotopicstream answers a JSON array")
partition = None
for e in y:
    if 'Partition' in e:
        partition = e['Partition']
check(isinstance(partition, int), "an element of producetotopicstream carries the Partition")
check(all(e["Rows"] == 50 for e in y if "Partition" not in e) and len(y) == 4,
      "each of the three streams is rolled back 50 offsets")

#                           CREATE TOPIC TO SAVE TRAINING DATA SET FROM STREAM
producetotopic = "trainingdata2"
producerid = createtopic(producetotopic)

#                           CREATE TRAINING DATA SET FROM JOINED STREAM TOPIC
consumefrom = topic
result4 = maads.vipercreatetrainingdata(VIPERTOKEN, VIPERHOST, VIPERPORT, consumefrom, producetotopic, "viperdependentvariable",
                                        "viperindependentvariable1,viperindependentvariable2", consumerid, producerid,
                                        "OTICS", -1, 1, 60000, '', -999, '')
y = parse(result4, "createtrainingdata")
check(isinstance(y['Partition'], int), "createtrainingdata answers the Partition")
check(y["Rows"] == 50, "the training set holds the 50 aligned rows")

#                         SUBSCRIBE TO TRAINING DATA TOPIC
consumeridtrainingdata2 = subscribe("trainingdata2")

#                         CREATE TOPIC TO STORE TRAINED PARAMS FROM ALGORITHM
producetotopic = "trainined-params"
producerid = createtopic(producetotopic)

#                         VIPER CALLS HPDE TO PERFORM REAL_TIME MACHINE LEARNING ON TRAINING DATA
consumefrom = "trainingdata2"
producetotopic = "trainined-params"
result6 = maads.viperhpdetraining(VIPERTOKEN, VIPERHOST, VIPERPORT, consumefrom, producetotopic, "OTICS", consumeridtrainingdata2,
                                  producerid, hpdehost, viperconfigfile, enabletls=1, partition=-1, modelruns=10,
                                  hpdeport=hpdeport, offset=-1, islogistic=0, brokerhost='', brokerport=-999, timeout=280,
                                  microserviceid='', deploy=1)
y = parse(result6, "viperhpdetraining")
algokey = y['Algokey']
check(algokey == consumeridtrainingdata2 + "_json", "Algokey is <consumerid>_json, as the seed's")
check(isinstance(y["Algo"], str) and y["Algo"].startswith(algokey) and len(y["Algo"]) > len(algokey),
      "the training answer names an algorithm")
check(finite(y["Forecastaccuracy"]) and 0 <= y["Forecastaccuracy"] <= 1, "Forecastaccuracy is in [0, 1]")
check(y["DependentVariable"] == "viperdependentvariable", "DependentVariable")
check(y["Fieldnames"] == "Date,viperindependentvariable1,viperindependentvariable2", "Fieldnames as the seed's")
check(y["Modelruns"] == 10 and y["Islogistic"] == 0, "Modelruns and Islogistic echo the request")
check(isinstance(y["Partition"], int) and isinstance(y["Offset"], int) and isinstance(y["Created"], str),
      "Partition, Offset, Created")
check(len(y["Leaderboard"]) >= 5, "tml's leaderboard lists the candidates")

#                                     SUBSCRIBE TO STREAM TOPIC (trained params)
consumeridtraininedparams = subscribe("trainined-params")

#                         CREATE TOPIC TO STORE PREDICTIONS FROM ALGORITHM
producetotopic = "hyper-predictions"
produceridhyperprediction = createtopic(producetotopic)

#                                     SUBSCRIBE TO STREAM PREDICTION TOPIC
streamconsumerid = subscribe(producetotopic)

#                                     START HYPER-PREDICTIONS FROM ESTIMATED PARAMETERS
producetotopic = "hyper-predictions"
consumefrom = "trainined-params"
for inputdata in ["23,34", "joined-viper-test11"]:
    result6 = maads.viperhpdepredict(VIPERTOKEN, VIPERHOST, VIPERPORT, consumefrom, producetotopic, "OTICS",
                                     consumeridtraininedparams, produceridhyperprediction, hpdehost, inputdata,
                                     algokey='', partition=-1, offset=-1, enabletls=1, delay=1000, hpdeport=hpdeport,
                                     brokerhost='', brokerport=-999, timeout=120, usedeploy=1, microserviceid='',
                                     pathtoalgos='./models')
    y = parse(result6, "viperhpdepredict " + inputdata)
    predictions = y if isinstance(y, list) else [y]
    if inputdata == "23,34":
        check(isinstance(y, dict) and y["Inputdata"] == "23,34", "a point prediction answers one object")
    else:
        check(isinstance(y, list) and len(y) == 50, "a stream prediction answers ONE array, one per joined row")
    for p in predictions:
        check(finite(p["Hyperprediction"]), "predictions are finite")
        check(p["Algokey"] == algokey and p["Produceto"] == "hyper-predictions", "predictions name their model")
        check(isinstance(p["Partition"], int) and isinstance(p["Offset"], int), "predictions say where they were written")
        check(len(p["Inputdata"].split(",")) == 2, "Inputdata holds the two inputs")

#                                     CREATE CONSUMER GROUP
topictoconsumefrom = "hyper-predictions"
groupname = "hyperprediction-group2"
result = maads.vipercreateconsumergroup(VIPERTOKEN, VIPERHOST, VIPERPORT, topictoconsumefrom, groupname,
                                        "OTICS", "Sebastian", "sebastian.maurice", "test", "Toronto", 1)
y = parse(result, "createconsumergroup")
groupid = y['Groupid']
check(GROUP.match(groupid) is not None, "Groupid has VIPER's form")
result = maads.viperconsumergroupconsumefromtopic(VIPERTOKEN, VIPERHOST, VIPERPORT, topictoconsumefrom, streamconsumerid,
                                                  groupid, "OTICS", -1, 1, 1000, -1)
y = parse(result, "consumergroupconsumefromtopic")
reads = y["TopicReads"]
check(y["Groupid"] == groupid and len(reads) >= 51, "the group reads the predictions")
check(all(finite(json.loads(r["Value"])["Hyperprediction"]) for r in reads), "every stored prediction is finite")

#                         CREATE TOPIC TO STORE OPTIMAL PARAMETERS FROM ALGORITHM
producetotopic = "hpde-optimal-parameters"
producerid = createtopic(producetotopic)

#                                     START MATHEMATICAL OPTIMIZATION FROM ALGORITHM
consumefrom = "trainined-params"
result7 = maads.viperhpdeoptimize(VIPERTOKEN, VIPERHOST, VIPERPORT, consumefrom, producetotopic, "OTICS", consumeridtraininedparams,
                                  producerid, hpdehost, -1, -1, 1, 1000, hpdeport)
y = parse(result7, "viperhpdeoptimize")
optimized = y["OptimizedValues"]
check(optimized["Objective"] == "Minimization", "ismin defaults to 1 (minimise)")
check(finite(optimized["ObjectiveFunctionValue"]), "the optimum is finite")
bounds = {c["Variable"]: c for c in y["Constraints"]}
check(set(bounds) == {"viperindependentvariable1", "viperindependentvariable2"}, "Constraints name the inputs")
for item in optimized["OptimalValues"]:
    for name, value in item.items():
        check(finite(value) and bounds[name]["Min"] <= value <= bounds[name]["Max"],
              "optimal values lie inside the reported constraints")
check(len(y["DescriptiveStats"]) == 2 and isinstance(y["AdditionDetails"]["Partition"], int),
      "DescriptiveStats and AdditionDetails")

print(json.dumps({"ok": True, "checks": len(checked)}))
