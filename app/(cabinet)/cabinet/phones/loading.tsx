export default function PhonesLoading() {
  return (
    <div className="stack">
      <h2>Ваши телефоны</h2>
      <p role="status">Загрузка сотрудников…</p>
    </div>
  );
}
