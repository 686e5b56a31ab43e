"""Run logs of the studies (prn sweep points) read into what the claim tables need: the point's
variables, the dense model's evaluations, and every prune with the evaluations right after it
and after the fine-tuning that followed it."""
import glob, json, math, os


class Prune:
    def __init__(self, event, score):
        self.event = event
        self.method = event.get("method", "?")
        self.scope = event.get("scope", "?")
        self.requested = event.get("requested", 0.0)
        self.sparsity = event.get("sparsity", 0.0)
        self.layers = event.get("layers", [])
        self.score = score  # the score event the prune used (its histogram), or None
        self.once = {}      # split -> accuracy right after pruning
        self.tuned = {}     # split -> accuracy after fine-tuning
        self.finetuned = False

    def flops_kept(self, dense_flops):
        return self.event.get("flops_effective", 0) / dense_flops if dense_flops else float("nan")

    def params_kept(self, dense_params):
        return self.event.get("nonzero", 0) / dense_params if dense_params else float("nan")

    def fewest_inputs_per_unit(self):
        """The smallest kept weights per kept unit over the layers, the starvation measure."""
        values = [l["inputs_per_unit"] for l in self.layers if l.get("inputs_per_unit") is not None]
        return min(values) if values else None

    def fewest_units(self):
        values = [l["width"] for l in self.layers[:-1] if "width" in l]  # the output layer is never pruned
        return min(values) if values else None


class Run:
    def __init__(self, path):
        self.path = path
        self.vars, self.dense, self.prunes, self.complete = {}, {}, [], False
        self.dense_flops = self.dense_params = 0
        self.train = None
        score, current = None, None
        with open(path) as f:
            for line in f:
                if not line.strip():
                    continue
                e = json.loads(line)
                kind = e.get("event")
                if kind == "manifest":
                    self.vars = {k: v.strip('"') for k, v in (e.get("set") or {}).items()}
                elif kind == "train":
                    self.train = e
                elif kind == "score":
                    score = e
                elif kind == "prune":
                    current = Prune(e, score)
                    self.prunes.append(current)
                elif kind == "finetune" and current is not None:
                    current.finetuned = True
                elif kind == "eval":
                    split = e.get("split", "test")
                    if current is None:
                        self.dense[split] = e["accuracy"]
                        self.dense_flops = self.dense_flops or e.get("flops_effective", 0)
                        self.dense_params = self.dense_params or e.get("params", 0)
                    else:
                        (current.tuned if current.finetuned else current.once)[split] = e["accuracy"]
                elif kind == "end":
                    self.complete = e.get("status") == "completed"

    def var(self, name):
        return self.vars.get(name)


def runs(folder):
    """The complete runs of a study folder (its logs/), in name order."""
    found = [Run(p) for p in sorted(glob.glob(os.path.join(folder, "logs", "*.jsonl")))]
    return [r for r in found if r.complete]


def mean_sd(values):
    values = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    if not values:
        return float("nan"), float("nan"), 0
    m = sum(values) / len(values)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else 0.0
    return m, sd, len(values)


def pct(values, digits=2):
    """'mean ± sd' of fractions, in percent."""
    m, sd, n = mean_sd(values)
    if n == 0:
        return "n/a"
    return f"{100 * m:.{digits}f} ± {100 * sd:.{digits}f}"
