# expect: unicode 1
# A byte order mark is not ASCII either.
$x = 1
