// The dashboard's entry: mounts the app and opens the live-update stream.
import { render } from "preact";
import { App } from "./app.js";
import { resumeSession } from "./api.js";
import { startLive } from "./live.js";

void resumeSession();
startLive();
render(<App />, document.getElementById("app")!);
