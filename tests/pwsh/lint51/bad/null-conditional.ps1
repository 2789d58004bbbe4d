# expect: null-conditional 5
# expect: null-conditional 6
# expect: null-conditional 7
# '?.' and '?[]' (PowerShell 7.1) need the braces: ${a}?.b. ($a?.b is the variable 'a?', which 5.1 has too.)
$length = ${service}?.Name
$first = ${list}?[0]
$text = ${value}?.ToString()
