import { useEffect, useRef, useState } from 'preact/hooks';

import type * as ChartsModule from './charts';

type Charts = typeof ChartsModule;

let charts: Promise<Charts> | undefined;

/** The chart module (Observable Plot), fetched the first time a chart is shown. */
export function loadCharts(): Promise<Charts> {
  charts ??= import('./charts');
  return charts;
}

export function useCharts(): { charts?: Charts; error?: Error } {
  const [state, setState] = useState<{ charts?: Charts; error?: Error }>({});
  useEffect(() => {
    loadCharts().then(
      (module) => setState({ charts: module }),
      (error: Error) => {
        charts = undefined;
        setState({ error });
      },
    );
  }, []);
  return state;
}

/** Hosts a chart drawn by `draw(width)`, redrawn when the width or the data change. */
export function Chart({
  draw,
  deps,
  label,
}: {
  draw: (width: number) => Element;
  deps: readonly unknown[];
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      const next = Math.floor(entry?.contentRect.width ?? 0);
      setWidth((old) => (Math.abs(old - next) > 8 ? next : old));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    const element = host.current;
    if (!element || width === 0) return;
    element.replaceChildren(draw(width));
  }, [width, ...deps]);
  return <div class="chart" ref={host} role="group" aria-label={label} />;
}
