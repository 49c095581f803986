#!/bin/bash
# event.sh: AGI-скрипт интеграции Asterisk ⇄ retailCRM (инструкция, раздел 2.3).
# После звонка отправляет сервису событие завершения звонка (type=hangup) и запись разговора (если
# включено), а сервис передаёт их в retailCRM. Канал скрипт не ломает: всегда завершается с кодом 0.
#
# Установка:
#   1. Положите файл в /var/lib/asterisk/agi-bin (или в astagidir из asterisk.conf).
#   2. chmod 755 /var/lib/asterisk/agi-bin/event.sh: его должен запускать пользователь Asterisk.
#   3. Проверьте секцию настроек ниже. QUEUE_LOG, DEBUG_LOG, SEND_RECORD_TO_SERVICE и SOXI_PATH
#      можно задать и переменными окружения, с которыми запущен Asterisk.
#   4. Вызовите скрипт в экстеншене h диалплана:
#        exten => h,1,AGI(event.sh,${MIXMONITOR_FILENAME},${UNIQUEID},${CALLERID(num)},${TOEXT},${STRFTIME(${EPOCH},,%Y-%m-%d %H:%M:%S)},in,${DIALSTATUS},${ANSWEREDTIME})
#      DeadAGI() тоже подходит, пока он есть (удалён в Asterisk 23).
#
# Аргументы: 1 файл записи, 2 uniqueid, 3 телефон клиента, 4 внутренний номер, 5 дата (ГГГГ-ММ-ДД ЧЧ:ММ:СС),
#   6 направление (in|out), 7 статус (DIALSTATUS или CDR(disposition), передаётся как есть),
#   8 секунды разговора.
# Телефон и внутренний номер: в примерах инструкции они идут в обратном порядке; годятся оба порядка.
#   Внутренний номер короткий: не больше 6 цифр, если отбросить имя канала (PJSIP/) и хвост вида
#   @from-internal или -0000002a. Аргументы 3 и 4 меняются местами, когда на внутренний номер похож
#   только 3-й (или 3-й пуст). Если похожи оба, принят порядок, показанный выше.
# Очередь Queue(): если в QUEUE_LOG есть строка COMPLETEAGENT или COMPLETECALLER этого uniqueid,
#   статус ANSWER, время ожидания, время разговора и ответивший агент берутся из неё.
# Время разговора: из queue_log, иначе из soxi (SOXI_PATH), если она дала больше 0 секунд, иначе
#   аргумент 8; дробные секунды округляются до целых, половина вверх (12,5 → 13).
#   Пустой статус при ненулевом времени разговора передаётся как ANSWER.
# Запись: MixMonitor дописывает файл (и размеры в заголовке WAV) только после экстеншена h, то есть
#   после этого скрипта. Поэтому hangup уходит сразу, а запись отправляет фоновая копия скрипта
#   (event.sh --upload ФАЙЛ UNIQUEID), когда файл дописан: WAV — когда размеры в заголовке совпали
#   с файлом, другой формат — когда файл не открыт ни одним процессом. Ждёт не дольше RECORD_WAIT
#   секунд; сервис свяжет запись со звонком, когда бы она ни пришла. Так же скрипт можно вызвать
#   вручную или командой MixMonitor (третий аргумент MixMonitor()).

# ---------------------------------------------------------------------------------------------------
# Настройки
# ---------------------------------------------------------------------------------------------------
# API-токен (clientId) вашего аккаунта: личный кабинет, вкладка «API» (инструкция, раздел 1.5).
CLIENTID="@CLIENTID@"
# Адрес сервиса.
SERVICE_URL="@SERVICE_URL@"
# Файл статистики очередей Queue() (queue_log_name в logger.conf); "" — очереди не используются.
QUEUE_LOG="${QUEUE_LOG-/var/log/asterisk/queue_log}"
# Дебаг: строка на каждый запрос к сервису; файл должен быть доступен на запись пользователю Asterisk.
# "" — дебаг выключен.
DEBUG_LOG="${DEBUG_LOG-/var/log/asterisk/event-sh.log}"
# yes — хранить записи разговоров на сервисе (CRM получит ссылку на запись); "" — не отправлять.
SEND_RECORD_TO_SERVICE="${SEND_RECORD_TO_SERVICE-}"
# Сколько секунд фоновая отправка записи ждёт, пока MixMonitor допишет файл.
RECORD_WAIT="${RECORD_WAIT-60}"
# Путь до утилиты soxi (пакет sox) для длительности записи, например /usr/bin/soxi; "" — не использовать.
SOXI_PATH="${SOXI_PATH-}"
# RECORD_PATH: если записи хранятся на вашем сервере, переопределите функцию record_path, чтобы она
#   печатала адрес, по которому CRM проиграет запись ($1 — файл записи, $2 — uniqueid), например:
#   record_path() { echo "https://login:password@my-server.ru/asterisk/${1#/var/spool/asterisk/monitor/}"; }
#   Протокол http, https или ftp. Пустой адрес не передаётся.
record_path() { echo ""; }
# ---------------------------------------------------------------------------------------------------

set -u
export LC_ALL=C
# Asterisk может прислать SIGHUP, когда канал уже закрыт: отчёт всё равно нужно отправить.
trap '' HUP

MODE=hangup
if [ "${1-}" = --upload ]; then
  MODE=upload
  shift
else
  # Окружение AGI: строки «имя: значение» до пустой строки. Оно не нужно, но его надо прочитать, чтобы
  # Asterisk не ждал; если stdin не AGI, чтение прекращается после секунды тишины.
  for ((i = 0; i < 100; i++)); do
    IFS= read -r -t 1 line || break
    [ -n "${line//[[:space:]]/}" ] || break
  done
fi

# В режиме --upload есть только первые два.
RECORDING=${1-}
UNIQUEID=${2-}
PHONE=${3-}
EXTENSION=${4-}
DATE=${5-}
DIRECTION=${6-}
STATUS=${7-}
TALK=${8-}
HOLD=""

log() {
  [ -n "$DEBUG_LOG" ] || return 0
  { echo "$(date '+%Y-%m-%d %H:%M:%S') [$UNIQUEID] $*"; } 2>/dev/null >>"$DEBUG_LOG"
}

# Внутренний номер из имени канала или участника очереди: 201 из PJSIP/201, Local/201@from-internal/n, SIP/201-0000002a.
extension_of() {
  local x=${1#*/}
  x=${x%%@*}
  x=${x%%-*}
  [[ $x =~ ^[0-9]+$ ]] && printf '%s' "$x"
}

looks_like_extension() {
  [[ $(extension_of "$1") =~ ^[0-9]{1,6}$ ]]
}

# Целые секунды из "12", "12.5", "12.500000" (половина вверх); для всего остального пусто.
seconds_of() {
  [[ $1 =~ ^([0-9]{1,9})([.]([0-9]))?[0-9]*$ ]] || return 0
  local whole=$((10#${BASH_REMATCH[1]}))
  [ "${BASH_REMATCH[3]:-0}" -ge 5 ] && whole=$((whole + 1))
  printf '%s' "$whole"
}

# Открыт ли файл каким-нибудь процессом (по /proc; без доступа к /proc — считается закрытым).
# Сравнение -ef (то же устройство и inode) встроено в bash: без отдельного процесса на каждый
# дескриптор, которых на занятой АТС тысячи.
file_in_use() {
  local fd
  for fd in /proc/[0-9]*/fd/*; do
    [ "$fd" -ef "$1" ] && return 0
  done
  return 1
}

# Дописан ли файл записи. WAV: MixMonitor ставит размер в заголовке (RIFF) при закрытии файла,
# до того там 0. Другие форматы: файл никем не открыт.
recording_complete() {
  local size riff
  size=$(wc -c <"$1" 2>/dev/null) || return 1
  [ "${size:-0}" -gt 0 ] || return 1
  if [ "$(head -c 4 "$1" 2>/dev/null)" = RIFF ]; then
    riff=$(od -An -tu4 -j4 -N4 --endian=little "$1" 2>/dev/null)
    riff=${riff//[[:space:]]/}
    [[ $riff =~ ^[0-9]+$ ]] && [ "$((riff + 8))" -eq "$size" ]
    return
  fi
  ! file_in_use "$1"
}

# request ЧТО АРГУМЕНТЫ-CURL...: один запрос к сервису, итог пишется в дебаг. Если сервис недоступен
# или ответил 503/429, curl повторяет запрос ещё дважды (с паузой по Retry-After): сервис принимает
# повтор того же события без дублей.
request() {
  local what=$1 response status code
  shift
  response=$(curl --silent --show-error --connect-timeout 5 --retry 2 --retry-connrefused --retry-max-time 20 --write-out ' HTTP_CODE=%{http_code}' "$@" 2>&1)
  status=$?
  code=${response##* HTTP_CODE=}
  response=${response% HTTP_CODE=*}
  response=${response//[[:space:]]/ }
  response=${response%"${response##*[![:space:]]}"}
  response=${response:0:300}
  if [ "$status" -ne 0 ]; then
    log "$what failed: curl exit code $status: $response"
  elif [[ $code != 2?? ]]; then
    log "$what failed: HTTP $code: $response"
  else
    log "$what: HTTP $code $response"
  fi
}

log "$MODE arguments: $*"
if ! [[ $CLIENTID =~ ^[0-9a-f]{64}$ ]]; then
  log "CLIENTID is empty or not a clientId: put the API token of your account into the settings of event.sh"
  exit 0
fi
if [ -z "$SERVICE_URL" ]; then
  log "SERVICE_URL is empty"
  exit 0
fi
if ! [[ $UNIQUEID =~ ^[A-Za-z0-9._:-]+$ ]]; then
  log "argument 2 must be the uniqueid of the call (UNIQUEID)"
  exit 0
fi

# Отправка записи: ждёт, пока файл дописан, не дольше RECORD_WAIT секунд; недописанный отправляет
# всё равно (сервис исправит заголовок WAV и отметит это в журнале).
if [ "$MODE" = upload ]; then
  if [ -z "$RECORDING" ] || ! [ -r "$RECORDING" ]; then
    log "upload: no readable recording '$RECORDING'"
    exit 0
  fi
  waited=0
  until recording_complete "$RECORDING"; do
    if [ "$waited" -ge "$((RECORD_WAIT * 2))" ]; then
      log "upload: the recording is still being written after ${RECORD_WAIT} s; sending it as it is"
      break
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
  name=${RECORDING##*/}
  upload_url="$SERVICE_URL/api/event?clientId=$CLIENTID&type=upload&uniqueid=$UNIQUEID"
  request upload --max-time 300 --form "file=@-;filename=${name//[^A-Za-z0-9._-]/_}" "$upload_url" <"$RECORDING"
  exit 0
fi

if looks_like_extension "$PHONE" || [ -z "$PHONE" ]; then
  if [ -n "$EXTENSION" ] && ! looks_like_extension "$EXTENSION"; then
    swap=$PHONE
    PHONE=$EXTENSION
    EXTENSION=$swap
  fi
fi
code=$(extension_of "$EXTENSION")
[ -n "$EXTENSION" ] && [ -z "$code" ] && log "extension '$EXTENSION' is not a number; sent without it"
EXTENSION=$code
case ${DIRECTION//'"'/} in
  in | IN) DIRECTION=in ;;
  out | OUT) DIRECTION=out ;;
  *) DIRECTION="" ;;
esac
STATUS=${STATUS//'"'/}
TALK=$(seconds_of "$TALK")
date_format='^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}$'
[[ $DATE =~ $date_format ]] || DATE=$(date '+%Y-%m-%d %H:%M:%S')

queue_talk=""
if [ -n "$QUEUE_LOG" ] && [ -r "$QUEUE_LOG" ]; then
  # epoch|callid|queue|agent|event|holdtime|calltime|origposition; последняя такая строка звонка.
  line=$(grep -F "|$UNIQUEID|" "$QUEUE_LOG" | grep -E '^[0-9]+[|][^|]*[|][^|]*[|][^|]*[|](COMPLETEAGENT|COMPLETECALLER)[|]' | tail -n 1)
  IFS='|' read -r _ callid _ agent _ queue_hold talked _ <<<"$line"
  if [ -n "$line" ] && [ "$callid" = "$UNIQUEID" ]; then
    STATUS=ANSWER
    HOLD=$(seconds_of "$queue_hold")
    queue_talk=$(seconds_of "$talked")
    [ -n "$queue_talk" ] && TALK=$queue_talk
    agent_extension=$(extension_of "$agent")
    [ -n "$agent_extension" ] && EXTENSION=$agent_extension
  fi
fi

# soxi меряет только дописанный файл: пока MixMonitor пишет, длительность в заголовке 0.
if [ -n "$SOXI_PATH" ] && [ -z "$queue_talk" ] && [ -n "$RECORDING" ] && [ -r "$RECORDING" ] &&
  recording_complete "$RECORDING"; then
  recorded=$(seconds_of "$("$SOXI_PATH" -D "$RECORDING" 2>/dev/null)")
  [ "${recorded:-0}" -gt 0 ] && TALK=$recorded
fi
[ -z "$STATUS" ] && [ "${TALK:-0}" -gt 0 ] && STATUS=ANSWER

# recording=upload: запись придёт следом (type=upload), и CRM сразу получит ссылку на неё.
will_upload=""
[ "$SEND_RECORD_TO_SERVICE" = yes ] && [ -n "$RECORDING" ] && [ -r "$RECORDING" ] && will_upload=upload
params=(--data-urlencode "clientId=$CLIENTID" --data-urlencode "type=hangup" --data-urlencode "uniqueid=$UNIQUEID")
fields=(
  "phone=$PHONE" "code=$EXTENSION" "status=$STATUS" "direct=$DIRECTION" "date=$DATE"
  "hold=$HOLD" "duration=$TALK" "path=$(record_path "$RECORDING" "$UNIQUEID")" "recording=$will_upload"
)
for pair in "${fields[@]}"; do
  [ -n "${pair#*=}" ] && params+=(--data-urlencode "$pair")
done
request hangup --max-time 10 --get "${params[@]}" "$SERVICE_URL/api/event"

# Запись — фоновой копией скрипта: Asterisk закроет файл, только когда этот скрипт завершится.
if [ -n "$will_upload" ]; then
  # Отдельная сессия (setsid): завершение канала и AGI её не задевает; SIGHUP игнорируется и так.
  if command -v setsid >/dev/null 2>&1; then
    setsid "$BASH" "$0" --upload "$RECORDING" "$UNIQUEID" </dev/null >/dev/null 2>&1 &
  else
    "$BASH" "$0" --upload "$RECORDING" "$UNIQUEID" </dev/null >/dev/null 2>&1 &
  fi
fi
exit 0
