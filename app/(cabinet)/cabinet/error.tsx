"use client";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

/** A tab that failed to render (the database or the CRM in trouble): say so, and let the admin try again. */
export default function CabinetError({ reset }: { error: Error; reset: () => void }) {
  return (
    <div className="stack">
      <Alert tone="error">Не удалось открыть вкладку: внутренняя ошибка сервиса. Попробуйте ещё раз.</Alert>
      <div>
        <Button type="button" onClick={reset}>
          Попробовать снова
        </Button>
      </div>
    </div>
  );
}
