import { benchSynth } from "./synth";
import { formatFigure } from "./lib/util";
benchSynth({ quick: true }).then((r) => { for (const f of r.figures) console.log(formatFigure(f)); }).catch((e) => { console.error(e); process.exit(1); });
