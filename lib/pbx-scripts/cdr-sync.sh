#!/bin/bash
# cdr-sync.sh: для режима «из событий AMI» (вкладка «Настройки Asterisk»). Dialplan править не нужно:
# о звонках сервис узнаёт из событий AMI, а этот скрипт, запущенный по расписанию на сервере Asterisk,
#   1) отправляет сервису новые строки CDR (Master.csv): звонки, закончившиеся, пока сервис не был
#      подключён к AMI, попадут в CRM (calls/upload; повтор строки ничего не меняет). Первый запуск
#      начинает с момента включения режима AMI (или с часа назад, если режим включён раньше):
#      прежние звонки в CRM не уходят, об этом пишет лог;
#   2) загружает готовые записи разговоров из каталога MixMonitor: сервис свяжет файл со звонком,
#      в котором видел этот файл (переменная MIXMONITOR_FILENAME).
#
# Установка:
#   1. Положите файл, например, в /var/lib/asterisk/agi-bin и сделайте исполняемым (chmod 755).
#   2. В /etc/asterisk/cdr.conf, секция [csv]: loguniqueid = yes (uniqueid в каждой строке CDR) и
#      newcdrcolumns = yes (linkedid: все строки одного звонка сервис считает одним звонком).
#   3. Запуск раз в минуту от пользователя asterisk (crontab -e -u asterisk):
#        * * * * * /var/lib/asterisk/agi-bin/cdr-sync.sh
#   Каталоги можно задать переменными окружения CDR_FILE, MONITOR_DIR, STATE_DIR и файл лога LOG_FILE.

# ---------------------------------------------------------------------------------------------------
# Настройки
# ---------------------------------------------------------------------------------------------------
# API-токен (clientId) вашего аккаунта: личный кабинет, вкладка «API».
CLIENTID="@CLIENTID@"
# Адрес сервиса.
SERVICE_URL="@SERVICE_URL@"
# CDR в формате cdr_csv.
CDR_FILE="${CDR_FILE:-/var/log/asterisk/cdr-csv/Master.csv}"
# Где MixMonitor оставляет записи.
MONITOR_DIR="${MONITOR_DIR:-/var/spool/asterisk/monitor}"
# Где скрипт помнит, что уже отправлено.
STATE_DIR="${STATE_DIR:-/var/lib/asterisk/cdr-sync}"
# Лог: с какого места Master.csv начал первый запуск.
LOG_FILE="${LOG_FILE:-$STATE_DIR/cdr-sync.log}"
# Запись отправляется, когда её не меняли столько минут (MixMonitor её дописал).
RECORD_QUIET_MINUTES="${RECORD_QUIET_MINUTES:-2}"
# Запись, которую сервис не узнал за столько минут, больше не предлагается.
RECORD_GIVE_UP_MINUTES="${RECORD_GIVE_UP_MINUTES:-1440}"
# Кусков CDR по 512 КБ за запуск, не больше: сервис принимает 5 подряд, затем один в 20 секунд.
CDR_POSTS_PER_RUN=5
# ---------------------------------------------------------------------------------------------------

set -u
mkdir -p "$STATE_DIR" || exit 1
exec 9>"$STATE_DIR/lock"
# Предыдущий запуск ещё идёт: этот не нужен.
flock -n 9 || exit 0

urlencode() {
  local text="$1" out="" char i
  for ((i = 0; i < ${#text}; i++)); do
    char="${text:i:1}"
    case "$char" in
      [A-Za-z0-9./_~-]) out+="$char" ;;
      *) printf -v char '%%%02X' "'$char"; out+="$char" ;;
    esac
  done
  printf '%s' "$out"
}

log() {
  echo "$(date '+%Y-%m-%d %H:%M:%S') $*" >>"$LOG_FILE"
}

# Первый запуск (позиции ещё нет): сервис называет момент (Unix-время), с которого нужны звонки, —
# включение режима AMI или час назад, что позже. Строки CDR идут в порядке окончания звонков, и
# их время — местное время АТС: позиция ставится на первую строку, закончившуюся не раньше него.
# Сервис недоступен: позиция не ставится, следующий запуск спросит снова.
first_offset() {
  local answer since from whole offset
  answer=$(curl -s --max-time 30 "$SERVICE_URL/api/cdr?clientId=$CLIENTID") || return 1
  since=$(printf '%s' "$answer" | grep -o '"since":[0-9]*' | cut -d: -f2)
  [[ "$since" =~ ^[0-9]+$ ]] || return 1
  from=$(date -d "@$since" '+%Y-%m-%d %H:%M:%S') || return 1
  # Строку, которую Asterisk ещё дописывает, отправит следующий запуск: позиция не за ней.
  whole=1
  [ -n "$(tail -c 1 "$CDR_FILE")" ] && whole=0
  offset=$(LC_ALL=C awk -v from="$from" -v whole="$whole" '
    BEGIN { at = 0; last = 0 }
    {
      if (match($0, /"[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]",[0-9]+,[0-9]+,"/) &&
        substr($0, RSTART + 1, 19) >= from) { found = 1; exit }
      last = at
      at += length($0) + 1
    }
    END { print found ? at : (whole ? at : last) }' "$CDR_FILE") || return 1
  [[ "$offset" =~ ^[0-9]+$ ]] || return 1
  echo "$offset" >"$STATE_DIR/cdr-offset"
  log "первый запуск: строки CDR, закончившиеся до $from (включение режима AMI или час назад), в сервис не отправлены: $offset байт Master.csv пропущено"
}

# 1) CDR: целые строки, добавленные с прошлого раза. Файл стал меньше (ротация): с начала.
#    Отправляет кусками, пока сервис их принимает: накопленное догоняется за несколько запусков.
sync_cdr() {
  local i
  [ -f "$CDR_FILE" ] || return 0
  [ -f "$STATE_DIR/cdr-offset" ] || first_offset || return 0
  for ((i = 0; i < CDR_POSTS_PER_RUN; i++)); do
    post_cdr_chunk || return 0
  done
}

# Один кусок; 0, если сервис его принял. Отказ не сдвигает позицию: тот же кусок уйдёт в следующий раз.
post_cdr_chunk() {
  [ -f "$CDR_FILE" ] || return 1
  local size offset chunk sent code
  size=$(stat -c %s "$CDR_FILE") || return 1
  offset=$(cat "$STATE_DIR/cdr-offset" 2>/dev/null || echo 0)
  [[ "$offset" =~ ^[0-9]+$ ]] || offset=0
  [ "$size" -lt "$offset" ] && offset=0
  [ "$size" -gt "$offset" ] || return 1
  chunk="$STATE_DIR/cdr-chunk"
  # Не больше 512 КБ за раз (больше сервис не примет), и только до последнего перевода строки:
  # строку, которую Asterisk ещё дописывает, скрипт отправит в следующий раз.
  tail -c +"$((offset + 1))" "$CDR_FILE" | head -c 524288 >"$chunk"
  sent=$(grep -c '' "$chunk")
  [ -n "$(tail -c 1 "$chunk")" ] && sent=$((sent - 1))
  if [ "$sent" -le 0 ]; then
    rm -f "$chunk"
    return 1
  fi
  head -n "$sent" "$chunk" >"$chunk.lines"
  code=$(curl -s -o "$chunk.answer" -w '%{http_code}' --max-time 30 -H 'Content-Type: text/csv' \
    --data-binary @"$chunk.lines" "$SERVICE_URL/api/cdr?clientId=$CLIENTID")
  case "$code" in
    200) echo "$((offset + $(stat -c %s "$chunk.lines")))" >"$STATE_DIR/cdr-offset" ;;
    # Сервис просит подождать (429) или недоступен: остальное уйдёт при следующем запуске.
    429 | 000 | 5??) ;;
    # Иное сервис объясняет в ответе: cron пришлёт его администратору.
    *) echo "cdr-sync.sh: сервис не принял CDR (HTTP $code): $(head -c 500 "$chunk.answer")" >&2 ;;
  esac
  rm -f "$chunk" "$chunk.lines" "$chunk.answer"
  [ "$code" = "200" ]
}

# 2) Записи: готовые файлы, которые ещё не приняты. 404 — сервис пока не знает этот файл
#    (звонок ещё идёт или был внутренним): скрипт предложит его снова в следующий раз.
sync_recordings() {
  [ -d "$MONITOR_DIR" ] || return 0
  touch "$STATE_DIR/recordings-done"
  find "$MONITOR_DIR" -type f \( -iname '*.wav' -o -iname '*.mp3' -o -iname '*.ogg' \) \
    -mmin +"$RECORD_QUIET_MINUTES" -mmin -"$RECORD_GIVE_UP_MINUTES" -print0 |
    while IFS= read -r -d '' file; do
      grep -qxF "$file" "$STATE_DIR/recordings-done" && continue
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 300 -F "file=@$file" \
        "$SERVICE_URL/api/event?clientId=$CLIENTID&type=upload&file=$(urlencode "$file")")
      case "$code" in
        200 | 413 | 415 | 400) echo "$file" >>"$STATE_DIR/recordings-done" ;;
      esac
    done
}

sync_cdr
sync_recordings
exit 0
