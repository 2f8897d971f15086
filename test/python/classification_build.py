"""A VIPER classification build through the real maadstml client, checked against scikit-learn.

Run by test/server/python-classification.test.ts. Arguments: host (with scheme), port, admin token file.
Raw streams Voltage, Current and Temperature (uniform, seeded) → joined (newest 300 rows) → training set
→ viperhpdetraining with islogistic=1 and processlogic on the continuous Voltage and Current
(failure_prob = 1 when Voltage >= 55 and Current >= 55) → 200 held-out rows produced afterwards and
predicted as a stream. Each prediction's Probability1 (against AccuracyThreshold) is compared with the
rule on its own inputs; the same accuracy is computed for scikit-learn's LogisticRegression fitted on
the same 300 training rows. Prints one JSON line; exits non-zero on the first failed check.
"""
import json
import math
import random
import sys

import maadstml
import numpy as np
from sklearn.linear_model import LogisticRegression

HOST, PORT, TOKEN_FILE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(TOKEN_FILE) as f:
    TOKEN = f.read()
RULE = "classification_name=failure_prob:Voltage=55,n:Current=55,n"
TRAIN_ROWS, HELD_OUT = 300, 200
checked = []


def check(condition, what):
    if not condition:
        print("FAILED: " + what, file=sys.stderr)
        sys.exit(1)
    checked.append(what)


def parse(result, what):
    check(isinstance(result, str), what + ": an answer")
    y = json.loads(result)
    check(not (isinstance(y, dict) and "ERROR" in y), what + ": " + result[:400])
    return y


def topic(name):
    y = parse(maadstml.vipercreatetopic(TOKEN, HOST, PORT, name, "OTICS", "Sebastian", "s@otics", "Toronto",
                                        "classification build"), "createtopics " + name)
    return y["ProducerId"]


def subscribe(name):
    y = parse(maadstml.vipersubscribeconsumer(TOKEN, HOST, PORT, name, "OTICS", "Sebastian", "s@otics",
                                              "Toronto", "classification build"), "subscribe " + name)
    return y["Consumerid"]


def rule(voltage, current):
    return 1 if voltage >= 55 and current >= 55 else 0


rng = random.Random(12)
names = ["Voltage", "Current", "Temperature"]
data = {n: [round(rng.uniform(0, 100), 3) for _ in range(TRAIN_ROWS + HELD_OUT)] for n in names}
producers = {n: topic(n) for n in names}


def produce(rows):
    for n in names:
        y = parse(maadstml.viperproducetotopicbulk(TOKEN, HOST, PORT, n, producers[n],
                                                   ",".join(str(v) for v in data[n][rows])), "bulk " + n)
        check(y["Records"] == rows.stop - rows.start, "bulk writes every value of " + n)


produce(slice(0, TRAIN_ROWS))
joined = "sensors-joined"
join = parse(maadstml.vipercreatejointopicstreams(TOKEN, HOST, PORT, joined, ",".join(names), "OTICS", "Sebastian",
                                                  "s@otics", "sensors", "Toronto"), "createjointopicstreams")
joined_consumer = subscribe(joined)
parse(maadstml.viperproducetotopicstream(TOKEN, HOST, PORT, joined, join["ProducerId"], -1, TRAIN_ROWS),
      "producetotopicstream (training window)")
training_producer = topic("sensors-training")
ts = parse(maadstml.vipercreatetrainingdata(TOKEN, HOST, PORT, joined, "sensors-training", "Temperature",
                                            "Voltage,Current", joined_consumer, training_producer, "OTICS"),
           "createtrainingdata")
check(ts["Rows"] == TRAIN_ROWS, "the training set holds the 300 rows")
training_consumer = subscribe("sensors-training")
params_producer = topic("sensors-model")
trained = parse(maadstml.viperhpdetraining(TOKEN, HOST, PORT, "sensors-training", "sensors-model", "OTICS",
                                           training_consumer, params_producer, HOST, "viper.env", hpdeport=8001,
                                           modelruns=20, islogistic=1, processlogic=RULE, timeout=120),
                "viperhpdetraining islogistic=1 processlogic")
check(trained["Islogistic"] == 1 and trained["DependentVariable"] == "failure_prob",
      "the model's dependent variable is the rule's classification_name")
check(trained["Processlogic"] == RULE, "the rule is recorded with the model: " + str(trained.get("Processlogic")))
check(trained["AccuracyThreshold"] == 0.5, "AccuracyThreshold")
check(trained["Fieldnames"] == "Date,Voltage,Current", "features are the independent variables")

# held-out rows: produced after the training, joined as the newest window, predicted as a stream
produce(slice(TRAIN_ROWS, TRAIN_ROWS + HELD_OUT))
parse(maadstml.viperproducetotopicstream(TOKEN, HOST, PORT, joined, join["ProducerId"], -1, HELD_OUT),
      "producetotopicstream (held-out rows)")
params_consumer = subscribe("sensors-model")
predictions_producer = topic("sensors-predictions")
answer = parse(maadstml.viperhpdepredict(TOKEN, HOST, PORT, "sensors-model", "sensors-predictions", "OTICS",
                                         params_consumer, predictions_producer, HOST, joined, hpdeport=8001,
                                         algokey=trained["Algokey"], pathtoalgos="./models"),
               "viperhpdepredict on the held-out stream")
check(isinstance(answer, list) and len(answer) == HELD_OUT, "one prediction per held-out row")
held_v = data["Voltage"][TRAIN_ROWS:]
held_c = data["Current"][TRAIN_ROWS:]
truth = [rule(v, c) for v, c in zip(held_v, held_c)]
tml_hits = 0
set_hits = 0
for k, p in enumerate(answer):
    inputs = [float(x) for x in p["Inputdata"].split(",")]
    check(inputs == [held_v[k], held_c[k]], "prediction %d is of held-out row %d" % (k, k))
    p1, p0 = p["Probability1"], p["Probability0"]
    check(0 <= p1 <= 1 and math.isclose(p0, 1 - p1), "Probability0 = 1 − Probability1")
    check(p["AccuracyThreshold"] == 0.5 and p["Hyperprediction"] == (1 if p1 >= 0.5 else 0),
          "Hyperprediction is Probability1 against AccuracyThreshold")
    tml_hits += int((1 if p1 >= p["AccuracyThreshold"] else 0) == truth[k])
    # tml's addition: the split-conformal prediction set at the default coverage
    check(p["Coverage"] == 0.9 and p["PredictionSet"] in ([], [0], [1], [0, 1]), "PredictionSet at Coverage 0.9")
    set_hits += int(truth[k] in p["PredictionSet"])

x_train = np.array([data["Voltage"][:TRAIN_ROWS], data["Current"][:TRAIN_ROWS]]).T
y_train = np.array([rule(v, c) for v, c in x_train])
sk = LogisticRegression(max_iter=1000).fit(x_train, y_train)
sk_accuracy = float((sk.predict(np.array([held_v, held_c]).T) == np.array(truth)).mean())
tml_accuracy = tml_hits / HELD_OUT
print(json.dumps({"ok": True, "checks": len(checked), "tml_accuracy": tml_accuracy,
                  "set_coverage": set_hits / HELD_OUT,
                  "sklearn_logistic_accuracy": sk_accuracy, "algorithm": trained["MachineLearningAlgorithm"],
                  "positives_held_out": sum(truth), "held_out": HELD_OUT}))
