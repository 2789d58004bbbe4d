# expect: null-coalescing 4
# expect: null-coalescing 5
# '??' and '??=' (PowerShell 7.0): 5.1 fails to parse them.
$name = $p.name ?? 'default'
$p.timeout ??= 60
