"""The topic, produce and consume part of the seed flow, through the real maadstml client.

Run by test/server/python-client.test.ts against `tml serve`. Arguments: host (with scheme), port,
path of admin.tok, path of a user token file. Prints one JSON line with what it checked; exits non-zero
on the first failed check. The whole seed flow, AutoML steps included, is seed_flow.py.
"""
import json
import random
import re
import sys

import maadstml as m

HOST, PORT, ADMIN_FILE, USER_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(ADMIN_FILE) as f:
    VIPERTOKEN = f.read()  # read raw, as the seed's getparams() does
with open(USER_FILE) as f:
    USERTOKEN = f.read().strip()

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
    check(isinstance(result, str), what + ": the client got an answer (not None)")
    # The clients' own call: strict mode stays on ('False' is truthy), so no raw control characters.
    return json.loads(result, strict="False")


# CREATE TOPICS IN KAFKA (seed, verbatim but for host, port and token)
topics = ["viperdependentvariable", "viperindependentvariable1", "viperindependentvariable2"]
producerids = []
for t in topics:
    result3 = m.vipercreatetopic(VIPERTOKEN, HOST, PORT, t, "OTICS", "Sebastian", "Sebastian.maurice", "Toronto",
                                 "Test Training", enabletls=1, brokerhost='', brokerport=-999, numpartitions=3,
                                 replication=3, microserviceid='')
    y = parse(result3, "createtopics")
    check(y["Topic"] == t, "createtopics answers the topic")
    check(PRODUCER.match(y["ProducerId"]) is not None, "ProducerId has VIPER's form")
    producerids.append(y["ProducerId"])

again = parse(m.vipercreatetopic(VIPERTOKEN, HOST, PORT, topics[0], "OTICS", "S", "S", "T", "D"), "createtopics again")
check(again.get("WARN") == "Topic already exists" and again["ProducerId"] == producerids[0],
      "an existing topic answers WARN and the same producer id")

# PRODUCE External Value to TOPIC STREAMS (seed: 500 rounds; fewer here, enough for 30+ rows)
for j in range(60):
    for t, p in zip(topics, producerids):
        num = str(random.randrange(1000))
        result = m.viperproducetotopic(VIPERTOKEN, HOST, PORT, t, p, 1, 1000, '', '', '', 0, num)
        y = parse(result, "producetotopic")
        check(y.get("Topic") == t and isinstance(y.get("Offset"), int), "producetotopic answers where it wrote")

bulk = parse(m.viperproducetotopicbulk(USERTOKEN, HOST, PORT, topics[1], producerids[1],
                                       ",".join(str(i) for i in range(1000))), "producetotopicbulk")
check(bulk["Records"] == 1000, "producetotopicbulk writes every value")

wrong = parse(m.viperproducetotopic(USERTOKEN, HOST, PORT, topics[0], producerids[1], 1, 1000, '', '', '', 0, "1"),
              "producetotopic with another topic's producer id")
check("ERROR" in wrong, "a producer id only produces to its own topic")

# SUBSCRIBE TO STREAM TOPIC
result3 = m.vipersubscribeconsumer(USERTOKEN, HOST, PORT, topics[0], "OTICS", "Sebastian", "Sebastian.Maurice",
                                   "Toronto", "Test", brokerhost='', brokerport=-999, groupid='', microserviceid='')
y = parse(result3, "subscribeconsumer")
consumerid = y["Consumerid"]
check(CONSUMER.match(consumerid) is not None and y["Topic"] == topics[0], "subscribeconsumer answers the seed shape")

read = parse(m.viperconsumefromtopic(USERTOKEN, HOST, PORT, topics[0], consumerid, "OTICS", -1, 0, 100, 0),
             "consumefromtopic")
values = [r["Value"] for r in read["StreamTopicDetails"]["TopicReads"]]
check(len(values) == 60 and all(0 <= float(v) < 1000 for v in values), "consumefromtopic reads what was produced")

# CREATE CONSUMER GROUP and read it (seed)
result = m.vipercreateconsumergroup(VIPERTOKEN, HOST, PORT, topics[0], "hyperprediction-group2", "OTICS", "Sebastian",
                                    "sebastian.maurice", "test", "Toronto", 1)
y = parse(result, "createconsumergroup")
groupid = y["Groupid"]
check(GROUP.match(groupid) is not None and y["Groupname"] == "hyperprediction-group2", "createconsumergroup answers Groupid")
again = parse(m.vipercreateconsumergroup(VIPERTOKEN, HOST, PORT, topics[0], "hyperprediction-group2", "OTICS", "S",
                                         "s", "t", "T", 1), "createconsumergroup again")
check(again.get("Status") == "Group name already exists" and again["Groupid"] == groupid, "an existing group answers Status")
result = m.viperconsumergroupconsumefromtopic(USERTOKEN, HOST, PORT, topics[0], consumerid, groupid, "OTICS", -1, 1, 1000, -1)
y = parse(result, "consumergroupconsumefromtopic")
check(y["Groupid"] == groupid and len(y["TopicReads"]) == 60 and y["BytesRead"] > 0, "the group reads the topic")

# Administration and the user token
listed = parse(m.viperlisttopics(USERTOKEN, HOST, PORT), "listtopics")
check({t["Topic"] for t in listed["Topics"]} >= set(topics), "listtopics lists the topics")
refused = parse(m.vipercreatetopic(USERTOKEN, HOST, PORT, "by-user", "O", "S", "S", "T", "D"), "createtopics as user")
check("admin" in refused.get("ERROR", ""), "a user token cannot create topics")
busy = parse(m.areyoubusy(HOST, PORT), "areyoubusy")
check(busy[0]["Type"] == "VIPER" and busy[0]["Busy"] is False, "areyoubusy needs no token")
badtoken = parse(m.viperlisttopics("not-a-token", HOST, PORT), "listtopics with a wrong token")
check("ERROR" in badtoken, "a wrong token gets an ERROR body")
gone = parse(m.viperunsubscribeconsumer(USERTOKEN, HOST, PORT, consumerid), "unsubscribeconsumer")
check(gone.get("Status") == "success", "unsubscribeconsumer")
deleted = parse(m.viperdeletetopics(VIPERTOKEN, HOST, PORT, topics[2]), "deletetopics")
check(deleted["Deleted"] == [topics[2]], "deletetopics")

print(json.dumps({"ok": True, "checks": len(checked)}))
