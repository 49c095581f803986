export default function HomePage() {
  return (
    <main className="page">
      <h1>Asterisk ⇄ retailCRM</h1>
      <p>
        Модуль интеграции Asterisk с retailCRM: карточка звонящего, события звонков, записи разговоров и звонок из CRM.
      </p>
      <p>
        Состояние сервиса: <a href="/api/health">/api/health</a>
      </p>
    </main>
  );
}
