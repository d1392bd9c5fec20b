# Integration tests of the utilities of the default image (rootfs/*.c): what
# each prints and its exit status, in batch mode on tests.img, whose
# /tests/data holds the files of tests/integration/data:
#   fruit.txt    banana apple cherry apple date banana banana Apple (a line each)
#   numbers.txt  10 9 -3 100 7 (a line each)
#   bytes.bin    32 zero bytes, then ABCDEFGHIJKLMNOPQR \x01 \x02 \xff
# and /tests/dirtest the tree conf_dir lists.

# util_test(NAME STATUS [expect.sh options] -- ARCHK_ARGS...): archk_expect named util.NAME.
# Arguments travel as CMake lists: none may be empty or hold an unbalanced
# square bracket (write . in regular expressions, \0133 in --out-is text).
function(util_test name status)
  archk_expect(util.${name} ${status} ${ARGN})
endfunction()
# What every utility test runs: archk on tests.img, in batch mode.
set(T ${A} ${TESTS_IMG} --)

set(FRUIT /tests/data/fruit.txt)
set(NUMBERS /tests/data/numbers.txt)

# Every utility: --help prints its usage on out (false still fails), and an
# unknown option is a usage error (2) that names the program (true and false
# ignore their arguments).
foreach(u ls ps kill wc head tail grep sort uniq tee env date uptime sleep time clear true
          yes seq hexdump help mkdir rm cp mv touch stat df sync)
  util_test(${u}.help 0 --out "^usage: ${u}" --err-lines 0 -- ${T} /bin/${u} --help)
  if(NOT u MATCHES "^(true|kill)$") # kill -Z names a signal: kill.unknown_signal
    util_test(${u}.bad_option 2 --err "^${u}: unknown option '-Z'" --err "^usage: ${u} "
      --err "^Try '${u} --help'" -- ${T} /bin/${u} -Z)
  endif()
endforeach()
util_test(false.help 1 --out "^usage: false" -- ${T} /bin/false --help)
util_test(true.status 0 --out-lines 0 -- ${T} /bin/true -Z anything)
util_test(false.status 1 --out-lines 0 -- ${T} /bin/false anything)

# ls: names sorted (the store lists b-x and b.y before b), -l, -d, files, errors.
util_test(ls.dir 0 --out-is "a.txt\nb\nb-x\nb.y\nz\n" -- ${T} /bin/ls /tests/dirtest)
util_test(ls.root 0 --out "^bin$" --out "^etc$" --out "^tests$" -- ${T} /bin/ls)
util_test(ls.long 0 --out "^-r--          6 -                a.txt$"
  --out "^dr-x          - -                b$" --out "^-r-x          4 -                z$"
  -- ${T} /bin/ls -l /tests/dirtest)
util_test(ls.self_and_files 0 --out-is "/tests/dirtest\n/tests/dirtest/a.txt\n"
  -- ${T} /bin/ls -d /tests/dirtest/a.txt /tests/dirtest)
util_test(ls.several 0
  --out-is "/tests/dirtest/z\n\n/tests/dirtest:\na.txt\nb\nb-x\nb.y\nz\n\n/tests/dirtest/b:\nc.txt\nd\n"
  -- ${T} /bin/ls /tests/dirtest /tests/dirtest/b /tests/dirtest/z)
util_test(ls.missing 1 --out-is "/tests/dirtest:\na.txt\nb\nb-x\nb.y\nz\n" --err-lines 1
  --err "^ls: /nope: NOT_FOUND$" -- ${T} /bin/ls /nope /tests/dirtest)

# ps: its own line (the batch program is init: parent 0); under a shell, a
# background sleep is listed with the shell as its parent.
util_test(ps.self 0 --out "^  PID  PPID STATE THR       CPU   ELAPSED NAME$"
  --out "^ +[0-9]+ +[0-9]+ run     1 +[0-9]+\\.[0-9]{3}   0:00:00 ps$"
  --out "^ +[0-9]+     0 (run|ready|wait) +1 +[0-9]+\\.[0-9]{3}   0:00:00 init$" -- ${T} /bin/ps)
util_test(ps.shell 0 --stdin "sleep 5 &\nps\nexit 0\n"
  --out "^ +[0-9]+ +[0-9]+ (run|ready|wait) +1 +[0-9]+\\.[0-9]{3}   0:00:0[0-9] sleep$"
  --out "^ +[0-9]+ +[0-9]+ run +1 .* ps$" --out "^ +[0-9]+ +[1-9][0-9]* (run|ready|wait) +1 .* sh$"
  --out "^ +[0-9]+     0 wait +1 .* init$"
  -- ${T} /bin/sh)
util_test(ps.operand 2 --err "^ps: no arguments expected$" -- ${T} /bin/ps x)

# kill: the conformance program runs /bin/kill on a child and checks how it
# ended (conf_proc kill-tool); here the errors.
util_test(kill.child 0 --out "conf_proc kill-tool: [0-9]+ passed, 0 failed"
  -- ${T} /tests/conf_proc kill-tool)
util_test(kill.no_such_process 1 --err-lines 1 --err "^kill: 999999: no such process$"
  -- ${T} /bin/kill 999999)
util_test(kill.not_a_pid 1 --err "^kill: %1: not a process id$" --err "^kill: abc: not a process id$"
  -- ${T} /bin/kill %1 abc)
util_test(kill.unknown_signal 2 --err "^kill: unknown signal 'HUP'" -- ${T} /bin/kill -HUP 5)
util_test(kill.no_pid 2 --err "^kill: no process id given$" -- ${T} /bin/kill -9)

# wc: lines, words, bytes; a total for several files; the input; a missing file.
util_test(wc.file 0 --out-is "      8       8      51 /tests/data/fruit.txt\n" -- ${T} /bin/wc ${FRUIT})
util_test(wc.total 0
  --out-is "      8      51 /tests/data/fruit.txt\n      5      14 /tests/data/numbers.txt\n     13      65 total\n"
  -- ${T} /bin/wc -lc ${FRUIT} ${NUMBERS})
util_test(wc.input 0 --stdin "one two\n three \nfour" --out-is "      2       4      20\n"
  -- ${T} /bin/wc)
util_test(wc.missing 1 --out "      5 /tests/data/numbers.txt$" --err "^wc: /nope: NOT_FOUND$"
  -- ${T} /bin/wc -l /nope ${NUMBERS})
util_test(wc.directory 1 --err "^wc: /tests: IS_DIR$" -- ${T} /bin/wc /tests)

# head and tail: lines, -N, bytes, +N, several files, the input.
util_test(head.lines 0 --out-is "banana\napple\n" -- ${T} /bin/head -n 2 ${FRUIT})
util_test(head.number 0 --out-is "10\n9\n-3\n" -- ${T} /bin/head -3 ${NUMBERS})
util_test(head.bytes 0 --out-is "banan" -- ${T} /bin/head -c 5 ${FRUIT})
util_test(head.default 0 --out-is "10\n9\n-3\n100\n7\n" -- ${T} /bin/head ${NUMBERS})
util_test(head.files 0 --out-is "==> /tests/data/numbers.txt <==\n10\n\n==> /tests/data/fruit.txt <==\nbanana\n"
  -- ${T} /bin/head -n1 ${NUMBERS} ${FRUIT})
util_test(head.bad_count 2 --err "^head: -n needs a number" -- ${T} /bin/head -n x ${FRUIT})
util_test(tail.lines 0 --out-is "banana\nApple\n" -- ${T} /bin/tail -n 2 ${FRUIT})
util_test(tail.number 0 --out-is "100\n7\n" -- ${T} /bin/tail -2 ${NUMBERS})
util_test(tail.from 0 --out-is "banana\nbanana\nApple\n" -- ${T} /bin/tail -n +6 ${FRUIT})
util_test(tail.bytes 0 --out-is "Apple\n" -- ${T} /bin/tail -c 6 ${FRUIT})
util_test(tail.more_than_all 0 --out-is "10\n9\n-3\n100\n7\n" -- ${T} /bin/tail -n 100 ${NUMBERS})
util_test(tail.input 0 --stdin "a\nb\nc" --out-is "b\nc" -- ${T} /bin/tail -2)

# grep: fixed strings and the small regular expressions; statuses 0, 1, 2.
util_test(grep.fixed 0 --out-is "banana\nbanana\nbanana\n" -- ${T} /bin/grep nan ${FRUIT})
util_test(grep.anchors 0 --out-is "apple\napple\n" -- ${T} /bin/grep "^a.*e$" ${FRUIT})
util_test(grep.set 0 --out-is "cherry\ndate\n" -- ${T} /bin/grep "^[c-d][^x]" ${FRUIT})
util_test(grep.repeat 0 --out-is "cherry\n" -- ${T} /bin/grep "^ch*e.r+y$" ${FRUIT})
util_test(grep.plus_optional 0 --out-is "apple\napple\nApple\n" -- ${T} /bin/grep -i "^ap+l?e$" ${FRUIT})
util_test(grep.escape 0 --stdin "axb\na.b\n" --out-is "a.b\n"
  -- ${T} /bin/grep "a\\.b")
util_test(grep.count_number 0 --out-is "3:cherry\n5:date\n" -- ${T} /bin/grep -n "[cd]" ${FRUIT})
util_test(grep.invert_count 0 --out-is "5\n" -- ${T} /bin/grep -vc banana ${FRUIT})
util_test(grep.whole 0 --out-is "apple\napple\nApple\n" -- ${T} /bin/grep -xi apple ${FRUIT})
util_test(grep.fixed_option 0
  --out-is "/tests/data/fruit.txt:1:banana\n/tests/data/fruit.txt:6:banana\n/tests/data/fruit.txt:7:banana\n"
  -- ${T} /bin/grep -F -n -H "nana" ${NUMBERS} ${FRUIT})
util_test(grep.fixed_literal 1 --out-lines 0 -- ${T} /bin/grep -F "a.e" ${FRUIT})
util_test(grep.regex_dot 0 --out-is "date\n" -- ${T} /bin/grep "a.e" ${FRUIT})
util_test(grep.names 0 --out-is "/tests/data/numbers.txt\n" -- ${T} /bin/grep -l 0 ${FRUIT} ${NUMBERS})
util_test(grep.none 1 --out-lines 0 -- ${T} /bin/grep kiwi ${FRUIT})
util_test(grep.quiet 0 --out-lines 0 -- ${T} /bin/grep -q apple ${FRUIT})
# (The pattern comes last: an unbalanced bracket would join the CMake list elements after it.)
util_test(grep.bad_pattern 2 --err "^grep: 'a.b': a . without its .$" -- ${T} /bin/grep "a[b")
util_test(grep.missing 2 --out "^banana$" --err "^grep: /nope: NOT_FOUND$" -- ${T} /bin/grep -h banana /nope ${FRUIT})
util_test(grep.no_pattern 2 --err "^grep: no pattern given$" -- ${T} /bin/grep)

# sort and uniq.
util_test(sort.bytes 0 --out-is "Apple\napple\napple\nbanana\nbanana\nbanana\ncherry\ndate\n" -- ${T} /bin/sort ${FRUIT})
util_test(sort.reverse_unique 0 --out-is "date\ncherry\nbanana\napple\nApple\n" -- ${T} /bin/sort -ru ${FRUIT})
util_test(sort.numeric 0 --out-is "-3\n7\n9\n10\n100\n" -- ${T} /bin/sort -n ${NUMBERS})
util_test(sort.fold_unique 0 --out-is "Apple\nbanana\ncherry\ndate\n" -- ${T} /bin/sort -fu ${FRUIT})
util_test(sort.input 0 --stdin "b\nc\na" --out-is "a\nb\nc\n" -- ${T} /bin/sort)
util_test(uniq.adjacent 0 --out-is "banana\napple\ncherry\napple\ndate\nbanana\nApple\n" -- ${T} /bin/uniq ${FRUIT})
util_test(uniq.count 0 --out-is "      1 banana\n      1 apple\n      1 cherry\n      1 apple\n      1 date\n      2 banana\n      1 Apple\n"
  -- ${T} /bin/uniq -c ${FRUIT})
util_test(uniq.repeated 0 --out-is "banana\n" -- ${T} /bin/uniq -d ${FRUIT})
util_test(uniq.case 0 --stdin "a\nA\nb\nb\nB\nc\n" --out-is "      2 a\n      3 b\n      1 c\n"
  -- ${T} /bin/uniq -ic)
util_test(uniq.single 0 --stdin "a\nb\nb\nc\n" --out-is "a\nc\n" -- ${T} /bin/uniq -u)
util_test(uniq.two_files 2 --err "^uniq: at most one FILE$" -- ${T} /bin/uniq ${FRUIT} ${NUMBERS})

# tee: the input goes to out even when a FILE cannot be written (the store is read-only).
util_test(tee.out 0 --stdin "one\ntwo\n" --out-is "one\ntwo\n" --err-lines 0
  -- ${T} /bin/tee)
util_test(tee.read_only 1 --stdin "one\n" --out-is "one\n" --err "^tee: /x: READ_ONLY$"
  -- ${T} /bin/tee /x)

# env: prints, changes, runs; 127 for a program that is not there.
util_test(env.set 0 --out-is "A=1\nB=2\n" -- ${T} /bin/env A=1 B=2)
util_test(env.replace_unset 0 --out-is "A=1\nB=3\n" -- ${T} /bin/env -u A A=1 B=2 B=3)
util_test(env.empty 0 --out-lines 0 -- ${T} /bin/env -i)
util_test(env.runs 1 --out-lines 0 -- ${T} /bin/env A=1 false)
util_test(env.runs_path 0 --out "argv\\[1\\] = x" -- ${T} /bin/env /bin/hello x)
util_test(env.not_found 127 --err "^env: nope: NOT_FOUND$" -- ${T} /bin/env nope)

# date: now, and given times with formats (UTC; 2000-02-29 was a Tuesday).
util_test(date.now 0
  --out "^(Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] UTC 20[0-9]{2}$"
  -- ${T} /bin/date)
util_test(date.epoch 0 --out-is "Thu Jan  1 00:00:00 UTC 1970\n" -- ${T} /bin/date -d @0)
util_test(date.format 0 --out-is "2000-02-29 12:34:56 Tue Tuesday Feb February 060 00 951827696 %q\n"
  -- ${T} /bin/date -d @951827696 "+%F %T %a %A %b %B %j %y %s %q")
util_test(date.before_1970 0 --out-is "1969-12-31 23:59:59\n" -- ${T} /bin/date -u -d @-1 "+%F %T")
util_test(date.bad 2 --err "^date: -d takes @SECONDS" -- ${T} /bin/date -d yesterday)

# uptime, sleep, time, clear, seq, hexdump, help.
util_test(uptime.line 0 --out "^[0-2][0-9]:[0-5][0-9]:[0-6][0-9] up 0:00:0[0-9], 2 processes$" -- ${T} /bin/uptime)
util_test(sleep.short 0 --out-lines 0 -- ${T} /bin/sleep 0.01 .01s)
util_test(sleep.units 2 --err "^sleep: '1x' is not a duration$" -- ${T} /bin/sleep 1x)
util_test(sleep.none 2 --err "^sleep: no duration given$" -- ${T} /bin/sleep)
util_test(time.status 1 --err "^real [0-9]+\\.[0-9]{3}s$" --err "^cpu  [0-9]+\\.[0-9]{3}s$" -- ${T} /bin/time false)
util_test(time.output 0 --out "argv\\[1\\] = x" --err "^real " -- ${T} /bin/time hello x)
util_test(time.not_found 127 --err "^time: nope: NOT_FOUND$" -- ${T} /bin/time nope)
util_test(clear.sequence 0 --out-is "\\033\\0133H\\033\\01332J\\033\\01333J" -- ${T} /bin/clear)
util_test(seq.last 0 --out-is "1\n2\n3\n" -- ${T} /bin/seq 3)
util_test(seq.step 0 --out-is "08\n10\n12\n" -- ${T} /bin/seq -w 8 2 12)
util_test(seq.down 0 --out-is "3,2,1,0,-1,-2\n" -- ${T} /bin/seq -s , 3 -1 -2)
util_test(seq.negative 0 --out-is "-2\n-1\n" -- ${T} /bin/seq -2 -1)
util_test(seq.empty 0 --out-lines 0 -- ${T} /bin/seq 5 1)
util_test(seq.zero_step 2 --err "^seq: the INCREMENT must not be 0$" -- ${T} /bin/seq 1 0 5)
util_test(seq.not_number 2 --err "^seq: 'x' is not an integer$" -- ${T} /bin/seq x)
util_test(hexdump.canonical 0
  --out-is "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n00000020  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|\n00000030  51 52 01 02 ff                                    |QR...|\n00000035\n"
  -- ${T} /bin/hexdump -C /tests/data/bytes.bin)
util_test(hexdump.verbose 0 --out "^00000010  00 00" --no-out "^\\*$" -- ${T} /bin/hexdump -v /tests/data/bytes.bin)
util_test(hexdump.input 0 --stdin "hi" --out-is "00000000  68 69                                             |hi|\n00000002\n"
  -- ${T} /bin/hexdump)
util_test(help.list 0 --out "^Programs in /bin" --out "(^| )ls( |$)" --out "(^| )yes( |$)"
  --no-out "fruit" -- ${T} /bin/help)
add_test(NAME util.help.builtins COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/help_builtins.sh ${A} ${TESTS_IMG})
util_test(help.shell 0 --stdin "help\nexit 0\n" --out "Programs in /bin" --out "^Built into the shell \\(sh\\): cd "
  -- ${T} /bin/sh)
util_test(help.program 0 --out "^usage: wc " -- ${T} /bin/help wc)
util_test(help.missing 1 --err "^help: nope: NOT_FOUND$" -- ${T} /bin/help nope)

# yes until the reader goes: head takes three lines, then yes ends with 1.
add_test(NAME util.yes.pipe COMMAND ${EXPECT} 1 --out-is "a b\na b\na b\n"
  -- bash -c "\"$0\" \"$1\" -- /bin/yes a b | head -n 3; exit \${PIPESTATUS[0]}" ${A} ${TESTS_IMG})

# Below a job server, ps lists its jobs only (the shell and ps, not the server),
# each with the job's client as its parent; ps waits for the server's answer.
util_test(ps.jobserver 0 --stdin "ps\nexit 0\n" --out "^ +[0-9]+ +[0-9]+ (run|ready|wait) +1 .* sh$"
  --out "^ +[0-9]+ +[0-9]+ wait +1 .* ps$" --no-out "jobserver$" -- ${T} /bin/jobserver /bin/sh)

# Paths against $PWD (what the shell's cd sets), programs through $PATH, and
# the environment env gives the program it runs.
util_test(ls.pwd 0 --out-is "a.txt\nb\nb-x\nb.y\nz\n" -- ${A} --env PWD=/tests/dirtest ${TESTS_IMG} -- /bin/ls)
util_test(wc.pwd 0 --out-is "      8 fruit.txt\n" -- ${A} --env PWD=/tests/data ${TESTS_IMG} -- /bin/wc -l fruit.txt)
util_test(env.passes 0 --out-is "A=1\n" -- ${T} /bin/env -i A=1 /tests/conf_env print)
util_test(env.path 0 --out-is "PATH=/tests\n" -- ${A} --env PATH=/tests ${TESTS_IMG} -- /bin/env conf_env print)

# Through the shell's pipes: the utilities read and write pipe ends as they do the console,
# and yes ends when head has what it wants.
util_test(pipes.sort_uniq 0 --out-is "      3 banana\n      2 apple\n"
  -- ${T} /bin/sh -c "cat ${FRUIT} | sort | uniq -c | sort -rn | head -2")
util_test(pipes.seq_wc 0 --out-is "      3\n" -- ${T} /bin/sh -c "seq 10 | sort -rn | head -3 | wc -l")
util_test(pipes.yes_head 0 --out-is "archk\narchk\n" -- ${T} /bin/sh -c "yes archk | head -n 2")
util_test(pipes.grep_tee 0 --out-is "      3\n" -- ${T} /bin/sh -c "grep an ${FRUIT} | tee | wc -l")

# On a directory that is not the store's: a home (homefs on a ramdisk) as the
# programs' root, made by conf_dir on-home with notes.txt and docs/a in it.
set(ON_HOME ${T} /tests/conf_dir on-home)
util_test(ls.home 0
  --out "^drwx          - 20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9] docs$"
  --out "^-rw-          6 20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9] notes.txt$"
  -- ${ON_HOME} /bin/ls -l)
util_test(tee.home 0 --stdin "x\ny\n" --out-is "x\ny\nx\ny\n      2 new.txt\ndocs\nnew.txt\nnotes.txt\n"
  -- ${ON_HOME} /bin/tee new.txt + /bin/cat new.txt + /bin/wc -l new.txt + /bin/ls)
util_test(tee.append_home 0 --stdin "more\n" --out-is "more\nhello\nmore\n"
  -- ${ON_HOME} /bin/tee -a notes.txt + /bin/cat notes.txt)
util_test(wc.home_dir 1 --err "^wc: docs: IS_DIR$" -- ${ON_HOME} /bin/wc docs)

# The file utilities on every part of the namespace: the store (read-only), a
# fresh home (--home @DISK@: a blank 4 MiB file, formatted by homefs -i) and,
# in files.sh, shares. Each test is one boot running a shell script.
set(WITH_HOME ${CMAKE_CURRENT_SOURCE_DIR}/with_disk.sh)
function(files_test name status)
  add_test(NAME util.${name} COMMAND ${WITH_HOME} ${status} ${ARGN})
endfunction()
set(H ${A} --home @DISK@ ${TESTS_IMG} -- /bin/sh -c)
files_test(mkdir.home 0 --out-is "a\nc\nd\ne\n      1\n" --err-lines 0
  -- ${H} "mkdir -p /home/a/b/c /home/a/b\nmkdir /home/c\ncd /home\nmkdir d e\nls\nls -d a/b/c | wc -l")
files_test(mkdir.errors 1 --out-lines 0 --err-lines 5 --err "^mkdir: /home/a: EXISTS$"
  --err "^mkdir: /x: READ_ONLY$" --err "^mkdir: /home/n/o: NOT_FOUND$" --err "^mkdir: /tests/x/y: READ_ONLY$"
  -- ${H} "mkdir /home/a\nmkdir /home/a /x /home/n/o || mkdir -p /tests/x/y")
util_test(mkdir.none 2 --err "^mkdir: no DIR given$" -- ${T} /bin/mkdir)
files_test(rm.tree 0 --out-is "keep\n---\n" --err-lines 0
  -- ${H} "mkdir -p /home/t/a/b /home/t/c /home/keep\necho 1 > /home/t/f\necho 2 > /home/t/a/g\necho 3 > /home/t/a/b/h\ntouch /home/t/c/i\nrm -r /home/t\nls /home\necho ---\nls /home/keep")
files_test(rm.files 0 --out-is "b\n" --err-lines 0
  -- ${H} "touch /home/a /home/b /home/c\nmkdir /home/d\nrm /home/a /home/c /home/d\nrm -f /home/nope\nls /home")
files_test(rm.errors 1 --err-lines 7 --err "^rm: /home/d: NOT_EMPTY$" --err "^rm: /home/nope: NOT_FOUND$"
  --err "^rm: /bin/ls: READ_ONLY$" --err "^rm: /: refusing to remove the root$" --err "^rm: /tests: READ_ONLY$"
  --out-lines 0 -- ${H} "mkdir /home/d\ntouch /home/d/f\nrm /home/d /home/nope /bin/ls /\nrm /tests")
util_test(rm.none 2 --err "^rm: no PATH given$" -- ${T} /bin/rm)
files_test(cp.files 0 --err-lines 0 --out-is "hello\nhello\n      8 fruit.txt\n      5 n.txt\nfruit.txt\nn.txt\n"
  -- ${H} "echo hello > /home/a\ncp /home/a /home/b\ncat /home/b\ncp /home/b /home/a\ncat /home/a\nmkdir /home/d\ncp ${FRUIT} /home/d\ncp ${NUMBERS} /home/d/n.txt\ncd /home/d\nwc -l fruit.txt n.txt | head -2\nls")
files_test(cp.tree 0 --err-lines 0 --out-is "a.txt\nb\nb-x\nb.y\nz\nc.txt\nd\n      1 /home/t/b/c.txt\n"
  -- ${H} "cp -r /tests/dirtest /home/t\nls /home/t\nls /home/t/b\nwc -l /home/t/b/c.txt")
files_test(cp.errors 1 --err-lines 10 --err "^cp: /home/nope: NOT_FOUND$" --err "^cp: /x: READ_ONLY$"
  --err "^cp: /tests/dirtest: IS_DIR$" --err "^cp: /home/f: NOT_DIR$" --err "^cp: /home/t/t: INVALID_ARGS$"
  -- ${H} "touch /home/f\nmkdir /home/t\ncp /home/nope /home/x\ncp /home/f /x\ncp /tests/dirtest /home\ncp /home/f /home/f /home/f\ncp -r /home/t /home/t")
util_test(cp.none 2 --err "^cp: a SRC and a DEST are needed$" -- ${T} /bin/cp /x)
files_test(mv.home 0 --err-lines 0 --out-is "d\na\nb\nx\nx\n"
  -- ${H} "echo x > /home/a\nmkdir /home/d\nmv /home/a /home/b\ntouch /home/c\nmv /home/b /home/d\nmkdir /home/d/e\nmv /home/c /home/d/e/x\nmv /home/d/e /home/d/a\nls /home\nls /home/d\ncat /home/d/b\nls /home/d/a")
files_test(mv.errors 1 --err-lines 6 --err "^mv: /home/nope: NOT_FOUND$" --err "^mv: /bin/ls: READ_ONLY$"
  --err "^mv: /home/d: INVALID_ARGS$"
  -- ${H} "mkdir -p /home/d/e\nmv /home/nope /home/x\nmv /bin/ls /bin/sl\nmv /home/d /home/d/e")
files_test(touch.home 0 --err-lines 0 --out-is "      0 /home/new\n      2\n0\n"
  -- ${H} "touch /home/new\nwc -c /home/new\necho x > /home/f\nstat /home/f | grep modified > /home/m\nsleep 0.02\ntouch /home/f\nstat /home/f | grep modified >> /home/m\nuniq -u /home/m | wc -l\ntouch /bin/ls /tests\necho $?")
files_test(touch.errors 1 --err-lines 2 --err "^touch: /x: READ_ONLY$" --err "^touch: /home/nope/x: NOT_FOUND$"
  -- ${A} --home @DISK@ ${TESTS_IMG} -- /bin/touch /x /home/nope/x /bin/ls)
files_test(stat.paths 0 --err-lines 0
  --out "^path:     /bin/ls$" --out "^kind:     file$" --out "^mode:     r-x$" --out "^modified: -$"
  --out "^path:     /home/d$" --out "^kind:     directory$" --out "^size:     1$" --out "^mode:     rwx$"
  --out "^modified: 20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{9} UTC$"
  --out "^koid:     [1-9][0-9]*$" --out "^size:     6$" --out "^mode:     rw-$"
  -- ${H} "mkdir /home/d\necho hello > /home/d/f\nstat /bin/ls /home/d /home/d/f")
util_test(stat.missing 1 --err-lines 1 --err "^stat: /nope: NOT_FOUND$" --out "^path:     /tests$"
  -- ${T} /bin/stat /nope /tests)
files_test(df.home 0 --err-lines 0 --out "^ 1K-blocks +Used +Available Use% +Files +Dirs Path$"
  --out "^ +4096 +[1-9][0-9]* +[1-9][0-9]* +[0-9]+% +2 +2 /home$"
  -- ${H} "mkdir /home/d\ntouch /home/a /home/d/b\ndf")
files_test(df.errors 1 --err-lines 4 --err "^df: /: NOT_SUPPORTED$" --err "^df: /home/a: NOT_DIR$"
  --err "^df: /nope: NOT_FOUND$" --out "/home/d$"
  -- ${H} "mkdir /home/d\ntouch /home/a\ndf / /home/d /home/a /nope")
util_test(df.no_home 1 --err "^df: /home: NOT_FOUND$" -- ${T} /bin/df)
files_test(sync.home 0 --err-lines 0 --out-is "0\n"
  -- ${H} "echo x > /home/f\nsync\nsync /home/f /home\necho $?")
util_test(sync.errors 1 --err-lines 2 --err "^sync: /: NOT_SUPPORTED$" --err "^sync: /nope: NOT_FOUND$"
  -- ${T} /bin/sync / /nope)
util_test(sync.nothing 0 --err-lines 0 -- ${T} /bin/sync)
files_test(ls.long_home 0 --err-lines 0
  --out "^drwx          - 20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9] d$"
  --out "^-rw-          3 20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9] f$"
  -- ${H} "mkdir /home/d\necho hi > /home/f\nls -l /home")

# Shares, the home across two boots, a 1 MiB copy and moves across mounts (rootfs.img).
add_test(NAME util.files.shares COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/files.sh ${A} ${ROOTFS})
