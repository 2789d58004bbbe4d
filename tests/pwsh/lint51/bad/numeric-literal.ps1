# expect: numeric-literal 5
# expect: numeric-literal 6
# expect: numeric-literal 7
# Binary literals and the u/s/y/n suffixes (PowerShell 6.2 and 7.0).
$mask = 0b1010
$limit = 4294967295u
$tiny = 200uy
