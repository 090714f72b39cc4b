/** The cdktf app (cdktf.json "app"): synthesizes the demo stack of examples/basic as "demo". */
import { App } from "cdktf";
import { DemoStack } from "../examples/basic/stack";

const app = new App();
new DemoStack(app, "demo");
app.synth();
