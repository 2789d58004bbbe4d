# expect: ternary 3
# The ternary operator (PowerShell 7.0).
$mode = $p.delayed ? 'delayed-auto' : 'auto'
