# expect: allow-comment 6
# expect: native-stderr 7
# expect: allow-comment 8
# expect: allow-comment 10
# An exemption needs a known rule and a reason, and must allow something.
# lint51: allow native-stderr
$output = & sc.exe query 2>&1
# lint51: allow no-such-rule (because)
$x = 1
# lint51: allow ternary (nothing here uses it)
$y = 2
