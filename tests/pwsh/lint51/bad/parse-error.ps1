# expect: parse-error 3
# A file the parser rejects is a finding, not a pass.
if ($x { 'unclosed' }
