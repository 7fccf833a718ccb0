// The dashboard: the login page when the server wants a token, else the layout with the page
// the URL names.
import { useEffect, useState } from "preact/hooks";
import { isAuthNeeded, onAuthNeeded } from "./api.js";
import { Layout } from "./components/layout.js";
import { ErrorBox, PageHead } from "./components/states.js";
import { AdvicePage } from "./pages/advice.js";
import { AlertsPage } from "./pages/alerts.js";
import { AvailabilityPage } from "./pages/availability.js";
import { GamedayPage } from "./pages/gameday.js";
import { GamedaysPage } from "./pages/gamedays.js";
import { IncidentPage } from "./pages/incident.js";
import { IncidentsPage } from "./pages/incidents.js";
import { LoginPage } from "./pages/login.js";
import { NodePage } from "./pages/node.js";
import { OverviewPage } from "./pages/overview.js";
import { ServicePage } from "./pages/service.js";
import { useLocation, type Location } from "./router.js";

function Page({ loc }: { loc: Location }) {
  const r = loc.route;
  switch (r.page) {
    case "overview":
      return <OverviewPage />;
    case "node":
      return <NodePage key={r.name} name={r.name} query={loc.query} />;
    case "service":
      return <ServicePage key={r.name} name={r.name} query={loc.query} />;
    case "alerts":
      return <AlertsPage />;
    case "incidents":
      return <IncidentsPage />;
    case "incident":
      return <IncidentPage key={r.id} id={r.id} />;
    case "availability":
      return <AvailabilityPage />;
    case "advice":
      return <AdvicePage />;
    case "gamedays":
      return <GamedaysPage />;
    case "gameday":
      return <GamedayPage key={r.id} id={r.id} />;
    case "not-found":
      return (
        <>
          <PageHead title="Not found" />
          <ErrorBox message={`No page at "${r.path}".`} />
        </>
      );
  }
}

export function App() {
  const loc = useLocation();
  const [needsLogin, setNeedsLogin] = useState(isAuthNeeded());
  useEffect(() => {
    const stop = onAuthNeeded(setNeedsLogin);
    // A 401 may have come before this subscription (the session check starts before the first render).
    setNeedsLogin(isAuthNeeded());
    return stop;
  }, []);
  useEffect(() => {
    const titles: Record<string, string> = { overview: "Overview", alerts: "Alerts", incidents: "Incidents", availability: "Availability", advice: "Advice", gamedays: "Game days" };
    const r = loc.route;
    const what = r.page === "node" || r.page === "service" ? r.name : r.page === "incident" ? `Incident #${r.id}` : r.page === "gameday" ? `Game day #${r.id}` : (titles[r.page] ?? "Vigil");
    document.title = `${what} · Vigil`;
  }, [loc]);
  if (needsLogin) return <LoginPage />;
  return (
    <Layout route={loc.route}>
      <Page loc={loc} />
    </Layout>
  );
}
