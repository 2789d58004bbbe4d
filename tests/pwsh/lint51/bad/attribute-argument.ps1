# expect: attribute-argument 5
# expect: attribute-argument 6
# A range kind for ValidateRange (6.1) and a values-generator type for ValidateSet (6.0).
function Set-Thing {
  param([ValidateRange('Positive')][int]$Count,
        [ValidateSet([ServiceNames])][string]$Name)
}
