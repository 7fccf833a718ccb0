// Light and dark themes: the choice is kept in localStorage (index.html applies it before the
// first paint); without one, the system's preference decides.
import { useState } from "preact/hooks";

export type Theme = "light" | "dark";
const KEY = "vigil.theme";

export function currentTheme(): Theme {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = useState<Theme>(currentTheme());
  const toggle = () => {
    const next: Theme = theme === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // private mode: the choice lasts for this page only
    }
    setTheme(next);
    dispatchEvent(new CustomEvent("vigil-theme", { detail: next }));
  };
  return [theme, toggle];
}
