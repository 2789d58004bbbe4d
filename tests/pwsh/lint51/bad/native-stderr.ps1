# expect: native-stderr 7
# expect: native-stderr 8
# expect: native-stderr 9
# expect: native-stderr 10
# expect: native-stderr 11
# Redirected stderr of a native program throws on its first line in 5.1 under $ErrorActionPreference = 'Stop'.
$output = & sc.exe config $name start= auto 2>&1
$output = & $wsusutil @arguments 2>&1
netsh winhttp show proxy 2>$null
& $tool *>&1 | Out-Null
$result = & { cmd.exe /c ver } 2>&1
