# expect: string-escape 5
# expect: string-escape 6
# expect: string-escape 8
# `e and `u{...} (PowerShell 6.0) are the letters e and u in 5.1, silently.
$bold = "`e[1m"
$arrow = "up `u{2191}"
$text = @"
in a here-string `e[0m
"@
