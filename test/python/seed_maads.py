"""The seed notebook's code (shared seed document: `import maads`, Dec 2020) run unchanged against
`tml serve` through the older `maads` client, but for: host, port and the token file come from the
command line; `nest_asyncio` is left out (it is for Jupyter); viperhpdetraining's optional values go
by name, with deploy=1 (the seed's client sent no `deploy` and VIPER answered "Deployed":1; maads
5.2.2 sends deploy=0 unless told, and the seed predicts with usedeploy=1) and one subscribeconsumer call drops a surplus argument (see there); the asserts and the summary line at the end are added. Usage: seed_maads.py HOST PORT ADMIN_TOKEN_FILE
"""
import json
import math
import random
import re
import sys

import maads

VIPERHOST = sys.argv[1]
VIPERPORT = int(sys.argv[2])
hpdehost = VIPERHOST
hpdeport = 8001
viperconfigfile = "viper.env"
ID = re.compile(r"^(ProducerId|ConsumerId|GroupId)-[A-Za-z0-9_-]{30}$")
checks = 0


def check(condition, message):
    global checks
    if not condition:
        raise AssertionError(message)
    checks += 1


def getparams():
    with open(sys.argv[3], "r") as f:
        VIPERTOKEN = f.read()
    return VIPERTOKEN


VIPERTOKEN = getparams()

producetotopic = "viperdependentvariable"
result3 = maads.vipercreatetopic(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian",
                                 "Sebastian.maurice", "Toronto", "Test Training", enabletls=1,
                                 brokerhost='', brokerport=-999, numpartitions=3, replication=3, microserviceid='')
y = json.loads(result3)
producetotopic = y['Topic']
producerid1 = y['ProducerId']
check(ID.match(producerid1), result3)

producetotopic = "viperindependentvariable1"
result3 = maads.vipercreatetopic(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian",
                                 "Sebastian.maurice", "Toronto", "Test Training", enabletls=1,
                                 brokerhost='', brokerport=-999, numpartitions=3, replication=3, microserviceid='')
y = json.loads(result3)
producetotopic = y['Topic']
producerid2 = y['ProducerId']
check(ID.match(producerid2), result3)

producetotopic = "viperindependentvariable2"
result3 = maads.vipercreatetopic(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian",
                                 "Sebastian.maurice", "Toronto", "Test Training", enabletls=1,
                                 brokerhost='', brokerport=-999, numpartitions=3, replication=3, microserviceid='')
y = json.loads(result3)
producetotopic = y['Topic']
producerid3 = y['ProducerId']
check(ID.match(producerid3), result3)

topics = ["viperdependentvariable", "viperindependentvariable1", "viperindependentvariable2"]
producerids = [producerid1, producerid2, producerid3]

for j in range(500):
    for t, p in zip(topics, producerids):
        num = str(random.randrange(1000))
        result = maads.viperproducetotopic(VIPERTOKEN, VIPERHOST, VIPERPORT, t, p, 1, 1000, '', '', '', 0, num)
        check('ERROR' not in json.loads(result), result)

joinedtopic = "joined-viper-test11"
result = maads.vipercreatejointopicstreams(VIPERTOKEN, VIPERHOST, VIPERPORT, "joined-viper-test11",
                                           "viperdependentvariable,viperindependentvariable1,viperindependentvariable2",
                                           "OTICS", "Sebastian", "Sebastian.Maurice", "Test", "Toronto",
                                           enabletls=1, brokerhost="", brokerport=-999, replication=3, numpartitions=3, microserviceid='')
y = json.loads(result)
topic = y['Topic']
producerid = y['ProducerId']
check(topic == joinedtopic and ID.match(producerid), result)

# (the seed's own line: "Sebastian.Maurice" "Toronto" are one argument there, a missing comma)
result3 = maads.vipersubscribeconsumer(VIPERTOKEN, VIPERHOST, VIPERPORT, topic, "OTICS", "Sebastian", "Sebastian.Maurice"
                                       "Toronto", "Test", "Test", brokerhost='', brokerport=-999, groupid='', microserviceid='')
y = json.loads(result3)
consumerid = y['Consumerid']
check(ID.match(consumerid), result3)

result2 = maads.viperproducetotopicstream(VIPERTOKEN, VIPERHOST, VIPERPORT, topic, producerid, -1, 50, 1, 10000, '', -999, '')
y = json.loads(result2)
check(isinstance(y, list) and any('Partition' in e for e in y), result2)

producetotopic = "trainingdata2"
result3 = maads.vipercreatetopic(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian",
                                 "Sebastian.maurice", "Toronto", "Test Training", enabletls=1,
                                 brokerhost='', brokerport=-999, numpartitions=3, replication=3, microserviceid='')
y = json.loads(result3)
producetotopic = y['Topic']
producerid = y['ProducerId']

consumefrom = topic
result4 = maads.vipercreatetrainingdata(VIPERTOKEN, VIPERHOST, VIPERPORT, consumefrom, producetotopic, "viperdependentvariable",
                                        "viperindependentvariable1,viperindependentvariable2", consumerid, producerid,
                                        "OTICS", -1, 1, 60000, '', -999, '')
y = json.loads(result4)
check('Partition' in y, result4)

producetotopic = "trainingdata2"
result = maads.vipersubscribeconsumer(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian", "Sebastian.Maurice"
                                      "Toronto", "Test", "Test", brokerhost='', brokerport=-999, groupid='', microserviceid='')
y = json.loads(result)
consumeridtrainingdata2 = y['Consumerid']

consumefrom = producetotopic
producetotopic = "trainined-params"
result5 = maads.vipercreatetopic(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian",
                                 "Sebastian.maurice", "Toronto", "Test Training", enabletls=1,
                                 brokerhost='', brokerport=-999, numpartitions=3, replication=3, microserviceid='')
y = json.loads(result5)
producetotopic = y['Topic']
producerid = y['ProducerId']

consumefrom = "trainingdata2"
producetotopic = "trainined-params"
# The seed passes (1, -1, 10, hpdeport, -1, 0, '', -999, 280, '') by position to the maads of 2020;
# maads 5.2.2 inserted `deploy` after `partition`, so the same values go by name here.
result6 = maads.viperhpdetraining(VIPERTOKEN, VIPERHOST, VIPERPORT, consumefrom, producetotopic, "OTICS", consumeridtrainingdata2,
                                  producerid, hpdehost, viperconfigfile, enabletls=1, partition=-1, modelruns=10,
                                  hpdeport=hpdeport, offset=-1, islogistic=0, brokerhost='', brokerport=-999,
                                  timeout=280, microserviceid='', deploy=1)
y = json.loads(result6)
algokey = y['Algokey']
check(algokey and y.get('Algo') and 0 <= y['Forecastaccuracy'] <= 1, result6)

producetotopic = "trainined-params"
result = maads.vipersubscribeconsumer(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian", "Sebastian.Maurice"
                                      "Toronto", "Test", "Test", brokerhost='', brokerport=-999, groupid='', microserviceid='')
y = json.loads(result)
consumeridtraininedparams = y['Consumerid']
consumefrom = producetotopic

producetotopic = "hyper-predictions"
result = maads.vipercreatetopic(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian",
                                "Sebastian.maurice", "Toronto", "Test Training", enabletls=1,
                                brokerhost='', brokerport=-999, numpartitions=3, replication=3, microserviceid='')
y = json.loads(result)
produceridhyperprediction = y['ProducerId']

# The seed passes one more description string here ("Toronto", "Test", "Test"), which the maads
# of 2020 took; maads 5.2.2 has one parameter fewer before `brokerhost`, so it is left out.
result = maads.vipersubscribeconsumer(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian", "Sebastian.Maurice",
                                      "Toronto", "Test", brokerhost='', brokerport=-999, groupid='', microserviceid='')
y = json.loads(result)
streamconsumerid = y['Consumerid']
consumefrom = producetotopic

producetotopic = "hyper-predictions"
inputdata = "joined-viper-test11"

consumefrom = "trainined-params"
result6 = maads.viperhpdepredict(VIPERTOKEN, VIPERHOST, VIPERPORT, consumefrom, producetotopic, "OTICS", consumeridtraininedparams,
                                 produceridhyperprediction, hpdehost, inputdata, '', -1, -1, 1,
                                 1000, hpdeport, '', -999, 120, 1, '')
y = json.loads(result6)
check(isinstance(y, list) and len(y) > 0, result6[:500])
check(all(math.isfinite(p['Hyperprediction']) for p in y), result6[:500])

topictoconsumefrom = "hyper-predictions"
groupname = "hyperprediction-group2"
result = maads.vipercreateconsumergroup(VIPERTOKEN, VIPERHOST, VIPERPORT, topictoconsumefrom, groupname,
                                        "OTICS", "Sebastian", "sebastian.maurice", "test", "Toronto", 1)
y = json.loads(result)
groupid = y['Groupid']
check(groupid.startswith('GroupId-'), result)

result = maads.viperconsumergroupconsumefromtopic(VIPERTOKEN, VIPERHOST, VIPERPORT, topictoconsumefrom, streamconsumerid,
                                                  groupid, "OTICS", -1, 1, 1000, -1)
y = json.loads(result)
check('TopicReads' in y and 'LastOffset' in y, result[:500])

producetotopic = "hpde-optimal-parameters"
result = maads.vipercreatetopic(VIPERTOKEN, VIPERHOST, VIPERPORT, producetotopic, "OTICS", "Sebastian",
                                "Sebastian.maurice", "Toronto", "Test Training", enabletls=1,
                                brokerhost='', brokerport=-999, numpartitions=3, replication=3, microserviceid='')
y = json.loads(result)
producerid = y['ProducerId']

consumefrom = "trainined-params"
result7 = maads.viperhpdeoptimize(VIPERTOKEN, VIPERHOST, VIPERPORT, consumefrom, producetotopic, "OTICS", consumeridtraininedparams,
                                  producerid, hpdehost, -1, -1, 1, 1000, hpdeport)
y = json.loads(result7)
bounds = {c['Variable']: (c['Min'], c['Max']) for c in y['Constraints']}
for item in y['OptimizedValues']['OptimalValues']:
    for name, value in item.items():
        low, high = bounds[name]
        check(low - 1e-9 <= value <= high + 1e-9, f"{name}={value} outside [{low}, {high}]")

print(json.dumps({"ok": True, "checks": checks}))
