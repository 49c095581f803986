"use client";

import { useTranslations } from "next-intl";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { OverviewDay, OverviewManager } from "@/lib/overview";

const COLORS = { answered: "#2e7d32", missed: "#c62828", unanswered: "#f0a500", outgoing: "#0a6cff" };

/** Calls per day, stacked; the same figures are in the table under it (docs/overview.md). */
export function DaysChart({ days }: { days: OverviewDay[] }) {
  const t = useTranslations("overview");
  return (
    <figure className="chart" aria-label={t("perDayChart")}>
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={days.map((d) => ({ ...d, label: d.day.slice(5) }))}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend />
          <Bar
            isAnimationActive={false}
            dataKey="answered"
            name={t("answered")}
            stackId="calls"
            fill={COLORS.answered}
          />
          <Bar
            isAnimationActive={false}
            dataKey="missed"
            name={t("missedSeries")}
            stackId="calls"
            fill={COLORS.missed}
          />
          <Bar
            isAnimationActive={false}
            dataKey="unanswered"
            name={t("unanswered")}
            stackId="calls"
            fill={COLORS.unanswered}
          />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function ManagersChart({ managers }: { managers: OverviewManager[] }) {
  const t = useTranslations("overview");
  const data = managers.map((m) => ({ ...m, label: m.extension ? (m.name ?? m.extension) : t("others") }));
  return (
    <figure className="chart" aria-label={t("perManagerChart")}>
      <ResponsiveContainer width="100%" height={Math.max(160, 36 * data.length + 60)}>
        <BarChart data={data} layout="vertical" margin={{ left: 24 }}>
          <CartesianGrid strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="label" width={160} />
          <Tooltip />
          <Legend />
          <Bar isAnimationActive={false} dataKey="incoming" name={t("managerIncoming")} fill={COLORS.answered} />
          <Bar isAnimationActive={false} dataKey="outgoing" name={t("managerOutgoing")} fill={COLORS.outgoing} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
